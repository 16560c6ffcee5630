package io.switchboard.api.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * The {@code delta} of a {@code content_block_delta} event: {@code text_delta} adds {@code text} to a
 * text block, {@code input_json_delta} adds {@code partial_json} (a fragment of the tool input's JSON)
 * to a tool_use block. Other kinds ({@code thinking_delta}, {@code signature_delta},
 * {@code citations_delta}) keep their fields in {@code extra}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BlockDelta(
    String type,
    String text,
    @JsonProperty("partial_json") String partialJson,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public static final String TEXT_DELTA = "text_delta";
  public static final String INPUT_JSON_DELTA = "input_json_delta";

  public BlockDelta {
    extra = ExtraFields.normalize(extra);
  }

  public static BlockDelta text(String text) {
    return new BlockDelta(TEXT_DELTA, text, null, null);
  }

  public static BlockDelta inputJson(String partialJson) {
    return new BlockDelta(INPUT_JSON_DELTA, null, partialJson, null);
  }
}
