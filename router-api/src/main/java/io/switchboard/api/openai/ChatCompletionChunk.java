package io.switchboard.api.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * One server-sent event of a streamed completion.
 *
 * <p>Inclusion is NON_NULL rather than NON_EMPTY on purpose: the trailing usage chunk has
 * {@code "choices": []}, and clients index into that array, so it must be written, not dropped.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletionChunk(
    String id,
    String object,
    long created,
    String model,
    @JsonProperty("system_fingerprint") String systemFingerprint,
    List<ChunkChoice> choices,
    Usage usage,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  /** The value of {@code object} on every streamed chunk. */
  public static final String OBJECT = "chat.completion.chunk";

  public ChatCompletionChunk {
    extra = ExtraFields.normalize(extra);
  }
}
