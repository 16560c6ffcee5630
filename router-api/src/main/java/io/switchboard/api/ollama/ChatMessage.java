package io.switchboard.api.ollama;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * One message to or from {@code /api/chat}. {@code content} is always a string; images are base64
 * strings beside it; a {@code tool} message names the tool it answers in {@code tool_name}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatMessage(
    String role,
    String content,
    String thinking,
    List<String> images,
    @JsonProperty("tool_calls") List<ToolCall> toolCalls,
    @JsonProperty("tool_name") String toolName,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public ChatMessage {
    extra = ExtraFields.normalize(extra);
  }

  public static ChatMessage of(String role, String content) {
    return new ChatMessage(role, content, null, null, null, null, null);
  }
}
