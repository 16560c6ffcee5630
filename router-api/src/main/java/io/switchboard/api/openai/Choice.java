package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * One alternative of a non-streamed completion. {@code logprobs} is left as raw JSON: the gateway
 * never reads it, and OpenAI sends an explicit {@code null} that must survive the round trip.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Choice(
    int index,
    ChatMessage message,
    @JsonProperty("finish_reason") String finishReason,
    JsonNode logprobs,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public Choice {
    extra = ExtraFields.normalize(extra);
  }
}
