package io.switchboard.api.ollama;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** Ollama's error body, {@code {"error": "..."}}, with any non-2xx status and as a line mid-stream. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ErrorBody(String error) {
}
