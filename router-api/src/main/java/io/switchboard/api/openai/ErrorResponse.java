package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The error envelope OpenAI returns with every non-2xx status. The gateway answers its own errors
 * in the same shape so that OpenAI SDKs parse them into their usual exception types.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ErrorResponse(ErrorDetail error) {

  public static ErrorResponse of(String message, String type, String param, String code) {
    return new ErrorResponse(new ErrorDetail(message, type, param, code));
  }
}
