package io.switchboard.embeddings;

/**
 * An embeddings request this gateway will not send anywhere, for a reason the client can fix (a model
 * that does not embed, too many inputs, an input too long): answered 400 {@code invalid_request_error}
 * with {@link #code()} and {@link #param()}.
 */
public final class EmbeddingsRefusedException extends RuntimeException {
  private final String code;
  private final String param;

  EmbeddingsRefusedException(String code, String param, String message) {
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
