package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * Token counts, which the gateway bills and rate-limits on. The detail breakdowns
 * ({@code prompt_tokens_details}, {@code completion_tokens_details}) change often and are only
 * relayed, so they live in {@code extra}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Usage(
    @JsonProperty("prompt_tokens") int promptTokens,
    @JsonProperty("completion_tokens") int completionTokens,
    @JsonProperty("total_tokens") int totalTokens,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public Usage {
    extra = ExtraFields.normalize(extra);
  }

  /** Counts the gateway computed itself, e.g. when the upstream reported none. */
  public static Usage of(int prompt, int completion) {
    return new Usage(prompt, completion, prompt + completion, null);
  }
}
