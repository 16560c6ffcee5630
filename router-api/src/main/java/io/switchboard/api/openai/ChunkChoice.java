package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * One alternative inside a streamed chunk. {@code finish_reason} is always written, as
 * {@code null} until the last chunk, because that is what OpenAI sends and some clients test for
 * the key rather than the value.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChunkChoice(
    int index,
    Delta delta,
    @JsonProperty("finish_reason") @JsonInclude(JsonInclude.Include.ALWAYS) String finishReason,
    JsonNode logprobs,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public ChunkChoice {
    extra = ExtraFields.normalize(extra);
  }
}
