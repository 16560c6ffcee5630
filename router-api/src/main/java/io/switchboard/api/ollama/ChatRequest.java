package io.switchboard.api.ollama;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Body of {@code POST /api/chat}. {@code format} is the string {@code "json"} or a JSON Schema object;
 * {@code keep_alive} a duration string ({@code "5m"}) or a number of seconds ({@code 0} unloads the
 * model); {@code tools} are in OpenAI's function shape. Ollama streams unless {@code stream} is false.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatRequest(
    String model,
    List<ChatMessage> messages,
    List<JsonNode> tools,
    JsonNode format,
    Options options,
    Boolean stream,
    @JsonProperty("keep_alive") JsonNode keepAlive,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public ChatRequest {
    extra = ExtraFields.normalize(extra);
  }
}
