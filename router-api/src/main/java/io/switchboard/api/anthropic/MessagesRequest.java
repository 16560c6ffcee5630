package io.switchboard.api.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Body of {@code POST /v1/messages}. {@code system} is a string or an array of text blocks;
 * {@code max_tokens} is required by Anthropic. Fields such as {@code thinking}, {@code service_tier}
 * or {@code container} ride in {@code extra}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MessagesRequest(
    String model,
    List<MessageParam> messages,
    JsonNode system,
    @JsonProperty("max_tokens") Integer maxTokens,
    JsonNode metadata,
    @JsonProperty("stop_sequences") List<String> stopSequences,
    Boolean stream,
    Double temperature,
    @JsonProperty("top_p") Double topP,
    @JsonProperty("top_k") Integer topK,
    List<Tool> tools,
    @JsonProperty("tool_choice") ToolChoice toolChoice,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public MessagesRequest {
    extra = ExtraFields.normalize(extra);
  }

  /** Whether the client asked for server-sent events. */
  @JsonIgnore
  public boolean isStream() {
    return stream != null && stream;
  }

  /** The system prompt as text blocks, whichever shape it was sent in; empty when there is none. */
  @JsonIgnore
  public List<ContentBlock> systemBlocks() {
    return ContentBlock.listOf(system);
  }
}
