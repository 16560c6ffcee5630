package io.switchboard.api.anthropic;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Anthropic's error body, {@code {"type":"error","error":{"type":...,"message":...}}}, sent with
 * every non-2xx status; {@code request_id} appears on newer responses.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ErrorEnvelope(String type, ErrorInfo error, @JsonProperty("request_id") String requestId) {

  /** The value of {@code type} on an error envelope. */
  public static final String TYPE = "error";

  public static ErrorEnvelope of(String errorType, String message) {
    return new ErrorEnvelope(TYPE, new ErrorInfo(errorType, message), null);
  }
}
