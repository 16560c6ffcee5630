package io.switchboard.api.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A client tool the model may call: its {@code input_schema} is a JSON Schema object. Server tools
 * (web search, code execution) carry a {@code type} and their own fields, which stay in {@code extra}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Tool(
    String name,
    String description,
    @JsonProperty("input_schema") JsonNode inputSchema,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public Tool {
    extra = ExtraFields.normalize(extra);
  }

  public static Tool of(String name, String description, JsonNode inputSchema) {
    return new Tool(name, description, inputSchema, null);
  }
}
