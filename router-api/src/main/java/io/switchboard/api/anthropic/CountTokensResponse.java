package io.switchboard.api.anthropic;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** Answer of {@code POST /v1/messages/count_tokens}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CountTokensResponse(@JsonProperty("input_tokens") int inputTokens) {
}
