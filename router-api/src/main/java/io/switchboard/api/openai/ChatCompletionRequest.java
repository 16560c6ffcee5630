package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Body of {@code POST /v1/chat/completions}.
 *
 * <p>Only the fields the gateway routes or accounts on are typed; everything else (tools,
 * response_format, reasoning_effort, ...) rides in {@code extra} so it reaches the upstream
 * provider exactly as the client sent it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletionRequest(
    String model,
    List<ChatMessage> messages,
    Boolean stream,
    @JsonProperty("stream_options") StreamOptions streamOptions,
    @JsonProperty("max_tokens") Integer maxTokens,
    @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
    Double temperature,
    @JsonProperty("top_p") Double topP,
    Integer n,
    JsonNode stop,
    Long seed,
    String user,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  public ChatCompletionRequest {
    extra = ExtraFields.normalize(extra);
  }

  /** Whether the client asked for server-sent events rather than a single JSON body. */
  @JsonIgnore
  public boolean isStream() {
    return stream != null && stream;
  }

  /** Whether a streaming client asked for the trailing usage-only chunk. */
  @JsonIgnore
  public boolean includeUsage() {
    return streamOptions != null && Boolean.TRUE.equals(streamOptions.includeUsage());
  }

  /** A copy addressed to another model, e.g. after alias resolution; nothing else changes. */
  public ChatCompletionRequest withModel(String model) {
    return new ChatCompletionRequest(model, messages, stream, streamOptions, maxTokens,
        maxCompletionTokens, temperature, topP, n, stop, seed, user, extra);
  }

  /**
   * The output budget the client set. {@code max_completion_tokens} superseded {@code max_tokens}
   * in the OpenAI API, so it wins when both are present.
   */
  @JsonIgnore
  public Integer outputTokenLimit() {
    return maxCompletionTokens != null ? maxCompletionTokens : maxTokens;
  }
}
