package io.switchboard.api.ollama;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Body of {@code POST /api/pull}; with {@code stream} unset, progress comes as NDJSON lines. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PullRequest(String model, Boolean insecure, Boolean stream) {
}
