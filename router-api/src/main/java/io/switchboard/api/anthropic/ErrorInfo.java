package io.switchboard.api.anthropic;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The {@code error} of an {@link ErrorEnvelope}: {@code type} is one of {@code invalid_request_error}
 * (400), {@code authentication_error} (401), {@code permission_error} (403), {@code not_found_error}
 * (404), {@code request_too_large} (413), {@code rate_limit_error} (429), {@code api_error} (500),
 * {@code overloaded_error} (529).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ErrorInfo(String type, String message) {

  public static final String INVALID_REQUEST = "invalid_request_error";
  public static final String AUTHENTICATION = "authentication_error";
  public static final String PERMISSION = "permission_error";
  public static final String NOT_FOUND = "not_found_error";
  public static final String REQUEST_TOO_LARGE = "request_too_large";
  public static final String RATE_LIMIT = "rate_limit_error";
  public static final String API = "api_error";
  public static final String OVERLOADED = "overloaded_error";
}
