package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import java.util.Map;

/**
 * One message of a conversation, on the request side or as a non-streamed answer.
 *
 * <p>{@code content} stays a {@link JsonNode} because OpenAI allows a plain string, an array of
 * typed parts (text, image_url, input_audio, ...) or null; forcing it into a Java type would drop
 * the non-text parts on the way through.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatMessage(
    String role,
    JsonNode content,
    String name,
    @JsonProperty("tool_calls") List<JsonNode> toolCalls,
    @JsonProperty("tool_call_id") String toolCallId,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public ChatMessage {
    extra = ExtraFields.normalize(extra);
  }

  /** A message whose content is a plain string. */
  public static ChatMessage of(String role, String text) {
    return new ChatMessage(role, text == null ? null : TextNode.valueOf(text), null, null, null,
        null);
  }

  /**
   * The text a human would read, for token estimates and logging: a string content as is, the
   * text parts of a multi-part content joined without separator, otherwise empty.
   */
  @JsonIgnore
  public String textContent() {
    if (content == null) {
      return "";
    }
    if (content.isTextual()) {
      return content.textValue();
    }
    if (content.isArray()) {
      StringBuilder text = new StringBuilder();
      for (JsonNode part : content) {
        if ("text".equals(part.path("type").asText(null))) {
          JsonNode partText = part.path("text");
          if (partText.isTextual()) {
            text.append(partText.textValue());
          }
        }
      }
      return text.toString();
    }
    return "";
  }
}
