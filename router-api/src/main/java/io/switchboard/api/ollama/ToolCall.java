package io.switchboard.api.ollama;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A tool call in an assistant message. Unlike OpenAI, Ollama gives the arguments as a JSON object,
 * not a string, and no call id.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ToolCall(
    Function function,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public ToolCall {
    extra = ExtraFields.normalize(extra);
  }

  public static ToolCall of(String name, JsonNode arguments) {
    return new ToolCall(new Function(name, arguments, null, null), null);
  }

  /** The function called: its name and its arguments object; {@code index} on newer servers. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Function(
      String name,
      JsonNode arguments,
      Integer index,
      @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
      Map<String, JsonNode> extra) {

    public Function {
      extra = ExtraFields.normalize(extra);
    }
  }
}
