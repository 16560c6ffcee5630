package io.switchboard.api.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * How the model must use tools: {@code type} is {@code auto}, {@code any} (some tool), {@code tool}
 * (the one named by {@code name}) or {@code none}; {@code disable_parallel_tool_use} limits it to one
 * call.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ToolChoice(
    String type,
    String name,
    @JsonProperty("disable_parallel_tool_use") Boolean disableParallelToolUse,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public static final String AUTO = "auto";
  public static final String ANY = "any";
  public static final String TOOL = "tool";
  public static final String NONE = "none";

  public ToolChoice {
    extra = ExtraFields.normalize(extra);
  }

  public static ToolChoice of(String type, String name, Boolean disableParallelToolUse) {
    return new ToolChoice(type, name, disableParallelToolUse, null);
  }
}
