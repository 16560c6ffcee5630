package io.switchboard.api.anthropic;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One model as Anthropic's {@code GET /v1/models} describes it, which its SDKs' {@code models.list}
 * and {@code models.retrieve} read (and, validating, require {@code lifecycle} of).
 *
 * @param displayName a human-readable name
 * @param createdAt RFC 3339 date-time (e.g. {@code 2025-02-19T00:00:00Z})
 * @param lifecycle {@code active}, {@code deprecated} or {@code retired}
 * @param maxInputTokens the context window; omitted when unknown
 * @param maxTokens the most output tokens; omitted when unknown
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelDescription(
    String type, String id, @JsonProperty("display_name") String displayName,
    @JsonProperty("created_at") String createdAt, String lifecycle,
    @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("max_input_tokens") Integer maxInputTokens,
    @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("max_tokens") Integer maxTokens) {

  /** The value of {@code type} on a model. */
  public static final String TYPE = "model";
  /** The lifecycle of a model that is served. */
  public static final String ACTIVE = "active";

  public static ModelDescription active(String id, String displayName, String createdAt, Integer maxInputTokens,
      Integer maxTokens) {
    return new ModelDescription(TYPE, id, displayName, createdAt, ACTIVE, maxInputTokens, maxTokens);
  }
}
