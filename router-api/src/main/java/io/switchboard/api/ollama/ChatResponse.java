package io.switchboard.api.ollama;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * The answer of {@code /api/chat}, and each line of its stream. Lines before the last have
 * {@code done: false} and a message fragment; the last has {@code done: true}, a {@code done_reason}
 * ({@code stop}, {@code length}, {@code load}, {@code unload}) and the counts and durations (in
 * nanoseconds): {@code prompt_eval_count} input tokens, {@code eval_count} output tokens.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatResponse(
    String model,
    @JsonProperty("created_at") String createdAt,
    ChatMessage message,
    boolean done,
    @JsonProperty("done_reason") String doneReason,
    @JsonProperty("total_duration") Long totalDuration,
    @JsonProperty("load_duration") Long loadDuration,
    @JsonProperty("prompt_eval_count") Integer promptEvalCount,
    @JsonProperty("prompt_eval_duration") Long promptEvalDuration,
    @JsonProperty("eval_count") Integer evalCount,
    @JsonProperty("eval_duration") Long evalDuration,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public ChatResponse {
    extra = ExtraFields.normalize(extra);
  }
}
