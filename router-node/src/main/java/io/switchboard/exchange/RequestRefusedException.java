package io.switchboard.exchange;

/**
 * A request this gateway will not send anywhere, for a reason the client can fix (a model that does
 * not embed, a provider that offers no text completions, too many inputs, an input too long): answered
 * 400 {@code invalid_request_error} with {@link #code()} and {@link #param()}.
 */
public final class RequestRefusedException extends RuntimeException {
  private final String code;
  private final String param;

  public RequestRefusedException(String code, String param, String message) {
    super(message, null, false, false);
    this.code = code;
    this.param = param;
  }

  public String code() {
    return code;
  }

  public String param() {
    return param;
  }
}
