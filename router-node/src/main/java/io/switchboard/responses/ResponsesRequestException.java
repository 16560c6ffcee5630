package io.switchboard.responses;

/**
 * A Responses request the gateway will not serve as sent: a field it does not support, a value it
 * cannot serve, or a stored response it cannot find. The HTTP layer writes it in the OpenAI envelope
 * with {@link #status()}, {@code invalid_request_error}, {@link #param()} and {@link #code()}.
 */
public final class ResponsesRequestException extends RuntimeException {
  private final int status;
  private final String param;
  private final String code;

  public ResponsesRequestException(int status, String param, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.param = param;
    this.code = code;
  }

  /** 400: the request names {@code param} wrongly. */
  static ResponsesRequestException invalid(String param, String code, String message) {
    return new ResponsesRequestException(400, param, code, message);
  }

  /** 400 {@code unsupported_parameter}: the gateway cannot serve {@code param} (or this value of it). */
  static ResponsesRequestException unsupported(String param, String message) {
    return new ResponsesRequestException(400, param, "unsupported_parameter", message);
  }

  /** 404: no stored response {@code id} that the caller may read. */
  public static ResponsesRequestException notFound(String id, String param) {
    return new ResponsesRequestException(404, param, "response_not_found",
        "No response with id '" + id + "' was found for this API key. Stored responses are kept only when"
            + " created with store: true, belong to the key that created them, and expire after their retention.");
  }

  public int status() {
    return status;
  }

  public String param() {
    return param;
  }

  public String code() {
    return code;
  }
}
