package io.switchboard.api.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The answer of {@code POST /v1/messages} ({@code "type": "message"}), and the {@code message} of a
 * stream's {@code message_start} event (there with empty content and no stop reason yet).
 *
 * <p>{@code stop_reason} and {@code stop_sequence} are written even when null: Anthropic sends both
 * keys, and the streamed {@code message_start} relies on the nulls.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Message(
    String id,
    String type,
    String role,
    List<ContentBlock> content,
    String model,
    @JsonProperty("stop_reason") @JsonInclude(JsonInclude.Include.ALWAYS) String stopReason,
    @JsonProperty("stop_sequence") @JsonInclude(JsonInclude.Include.ALWAYS) String stopSequence,
    MessageUsage usage,
    @JsonProperty(ExtraFields.PROPERTY_NAME) @JsonAnySetter @JsonAnyGetter
    Map<String, JsonNode> extra) {

  /** The value of {@code type} on a message. */
  public static final String TYPE = "message";

  public static final String END_TURN = "end_turn";
  public static final String MAX_TOKENS = "max_tokens";
  public static final String STOP_SEQUENCE = "stop_sequence";
  public static final String TOOL_USE = "tool_use";
  public static final String PAUSE_TURN = "pause_turn";
  public static final String REFUSAL = "refusal";

  public Message {
    extra = ExtraFields.normalize(extra);
  }
}
