package io.switchboard.api.anthropic;

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
 * One turn of the conversation in a request: {@code role} is {@code user} or {@code assistant}
 * (system prompts are a top-level field), and {@code content} a string or an array of blocks.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MessageParam(
    String role,
    JsonNode content,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public static final String USER = "user";
  public static final String ASSISTANT = "assistant";

  public MessageParam {
    extra = ExtraFields.normalize(extra);
  }

  public static MessageParam of(String role, String text) {
    return new MessageParam(role, TextNode.valueOf(text), null);
  }

  public static MessageParam of(String role, List<ContentBlock> blocks) {
    return new MessageParam(role, ContentBlock.toTree(blocks), null);
  }

  /** The content as blocks: a string content is one text block. */
  @JsonIgnore
  public List<ContentBlock> blocks() {
    return ContentBlock.listOf(content);
  }
}
