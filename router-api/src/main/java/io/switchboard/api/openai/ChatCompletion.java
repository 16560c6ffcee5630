package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A non-streamed chat completion response. Typed for the parts the gateway inspects (model and
 * usage for accounting); fields such as {@code service_tier} pass through in {@code extra}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletion(
    String id,
    String object,
    long created,
    String model,
    List<Choice> choices,
    Usage usage,
    @JsonProperty("system_fingerprint") String systemFingerprint,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  /** The value of {@code object} on every non-streamed completion. */
  public static final String OBJECT = "chat.completion";

  public ChatCompletion {
    extra = ExtraFields.normalize(extra);
  }
}
