package io.switchboard.api.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * Token counts of a message. Every count is nullable: a stream's {@code message_delta} carries only
 * {@code output_tokens}, and the cache counts appear only with prompt caching.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MessageUsage(
    @JsonProperty("input_tokens") Integer inputTokens,
    @JsonProperty("output_tokens") Integer outputTokens,
    @JsonProperty("cache_creation_input_tokens") Integer cacheCreationInputTokens,
    @JsonProperty("cache_read_input_tokens") Integer cacheReadInputTokens,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public MessageUsage {
    extra = ExtraFields.normalize(extra);
  }

  public static MessageUsage of(Integer inputTokens, Integer outputTokens) {
    return new MessageUsage(inputTokens, outputTokens, null, null, null);
  }
}
