package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The body of {@link ErrorResponse}. All four keys are written even when null, as OpenAI does;
 * some SDKs read {@code param} and {@code code} unconditionally.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ErrorDetail(String message, String type, String param, String code) {
}
