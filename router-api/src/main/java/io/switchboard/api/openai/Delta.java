package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The increment a streamed chunk adds to the assistant message. Unlike {@link ChatMessage},
 * {@code content} is a string: streamed deltas carry text fragments, never content-part arrays.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Delta(
    String role,
    String content,
    @JsonProperty("tool_calls") List<JsonNode> toolCalls,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public Delta {
    extra = ExtraFields.normalize(extra);
  }
}
