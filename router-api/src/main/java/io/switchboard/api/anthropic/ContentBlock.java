package io.switchboard.api.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One content block, in a request or a response. Anthropic's block kinds share one flat record
 * because they share most fields and new kinds keep arriving: the {@code type} says which fields
 * apply.
 *
 * <ul>
 *   <li>{@code text}: {@code text}
 *   <li>{@code image}: {@code source} ({@code {"type":"base64","media_type","data"}} or
 *       {@code {"type":"url","url"}})
 *   <li>{@code tool_use}: {@code id}, {@code name}, {@code input} (a JSON object)
 *   <li>{@code tool_result}: {@code tool_use_id}, {@code content} (string or blocks), {@code is_error}
 *   <li>anything else ({@code thinking}, {@code document}, ...): its fields in {@code extra}
 * </ul>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ContentBlock(
    String type,
    String text,
    JsonNode source,
    String id,
    String name,
    JsonNode input,
    @JsonProperty("tool_use_id") String toolUseId,
    JsonNode content,
    @JsonProperty("is_error") Boolean isError,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public static final String TEXT = "text";
  public static final String IMAGE = "image";
  public static final String TOOL_USE = "tool_use";
  public static final String TOOL_RESULT = "tool_result";

  private static final ObjectMapper MAPPER = AnthropicJson.newMapper();

  public ContentBlock {
    extra = ExtraFields.normalize(extra);
  }

  public static ContentBlock text(String text) {
    return new ContentBlock(TEXT, text, null, null, null, null, null, null, null, null);
  }

  public static ContentBlock image(JsonNode source) {
    return new ContentBlock(IMAGE, null, source, null, null, null, null, null, null, null);
  }

  public static ContentBlock toolUse(String id, String name, JsonNode input) {
    return new ContentBlock(TOOL_USE, null, null, id, name, input, null, null, null, null);
  }

  public static ContentBlock toolResult(String toolUseId, JsonNode content, Boolean isError) {
    return new ContentBlock(TOOL_RESULT, null, null, null, null, null, toolUseId, content, isError, null);
  }

  /**
   * Reads a string-or-blocks value: null or missing is no block, a string is one text block, an array
   * is read block by block.
   */
  public static List<ContentBlock> listOf(JsonNode content) {
    if (content == null || content.isNull() || content.isMissingNode()) return List.of();
    if (content.isTextual()) return List.of(text(content.textValue()));
    if (!content.isArray()) {
      throw new IllegalArgumentException(
          "content must be a string or an array of blocks, not " + content.getNodeType());
    }
    List<ContentBlock> blocks = new ArrayList<>(content.size());
    for (JsonNode block : content) {
      if (!block.isObject()) {
        throw new IllegalArgumentException("a content block must be an object, not " + block.getNodeType());
      }
      try {
        blocks.add(MAPPER.treeToValue(block, ContentBlock.class));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalArgumentException("a content block has a field of the wrong type", e);
      }
    }
    return List.copyOf(blocks);
  }

  /** The blocks as the JSON array they are sent as. */
  public static JsonNode toTree(List<ContentBlock> blocks) {
    ArrayNode array = MAPPER.createArrayNode();
    for (ContentBlock block : blocks) array.add(MAPPER.valueToTree(block));
    return array;
  }

  /** A plain-text value in the string shape, for fields that accept a string or blocks. */
  public static JsonNode plain(String text) {
    return TextNode.valueOf(text);
  }
}
