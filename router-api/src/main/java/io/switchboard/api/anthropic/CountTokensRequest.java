package io.switchboard.api.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** Body of {@code POST /v1/messages/count_tokens}: a messages request without the output settings. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CountTokensRequest(
    String model,
    List<MessageParam> messages,
    JsonNode system,
    List<Tool> tools,
    @JsonProperty("tool_choice") ToolChoice toolChoice,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public CountTokensRequest {
    extra = ExtraFields.normalize(extra);
  }
}
