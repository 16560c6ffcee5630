package io.switchboard.api.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** The {@code delta} of a {@code message_delta} event: why the message stopped. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StopInfo(
    @JsonProperty("stop_reason") @JsonInclude(JsonInclude.Include.ALWAYS) String stopReason,
    @JsonProperty("stop_sequence") @JsonInclude(JsonInclude.Include.ALWAYS) String stopSequence,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public StopInfo {
    extra = ExtraFields.normalize(extra);
  }

  public static StopInfo of(String stopReason, String stopSequence) {
    return new StopInfo(stopReason, stopSequence, null);
  }
}
