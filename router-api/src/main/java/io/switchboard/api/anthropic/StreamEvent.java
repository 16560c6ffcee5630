package io.switchboard.api.anthropic;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * One server-sent event of a streamed message; the SSE {@code event:} name equals the JSON
 * {@code type}. A stream runs: {@code message_start}, then per content block {@code content_block_start},
 * {@code content_block_delta}s and {@code content_block_stop}, then {@code message_delta} (stop reason,
 * output tokens) and {@code message_stop}; {@code ping}s may come anywhere and an {@code error} may end
 * it. Anthropic may add event types; they are read as {@link Unknown} so a client can skip them.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type",
    defaultImpl = StreamEvent.Unknown.class)
@JsonSubTypes({
    @JsonSubTypes.Type(value = StreamEvent.MessageStart.class, name = "message_start"),
    @JsonSubTypes.Type(value = StreamEvent.ContentBlockStart.class, name = "content_block_start"),
    @JsonSubTypes.Type(value = StreamEvent.ContentBlockDelta.class, name = "content_block_delta"),
    @JsonSubTypes.Type(value = StreamEvent.ContentBlockStop.class, name = "content_block_stop"),
    @JsonSubTypes.Type(value = StreamEvent.MessageDelta.class, name = "message_delta"),
    @JsonSubTypes.Type(value = StreamEvent.MessageStop.class, name = "message_stop"),
    @JsonSubTypes.Type(value = StreamEvent.Ping.class, name = "ping"),
    @JsonSubTypes.Type(value = StreamEvent.Error.class, name = "error")
})
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface StreamEvent {

  /** The SSE {@code event:} name of this event, equal to its JSON {@code type}. */
  @JsonIgnore
  String eventName();

  record MessageStart(Message message) implements StreamEvent {
    @Override
    public String eventName() {
      return "message_start";
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record ContentBlockStart(int index, @JsonProperty("content_block") ContentBlock contentBlock)
      implements StreamEvent {
    @Override
    public String eventName() {
      return "content_block_start";
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record ContentBlockDelta(int index, BlockDelta delta) implements StreamEvent {
    @Override
    public String eventName() {
      return "content_block_delta";
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record ContentBlockStop(int index) implements StreamEvent {
    @Override
    public String eventName() {
      return "content_block_stop";
    }
  }

  /** Top-level changes at the end of a message; {@code usage.output_tokens} is cumulative. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record MessageDelta(StopInfo delta, MessageUsage usage) implements StreamEvent {
    @Override
    public String eventName() {
      return "message_delta";
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record MessageStop() implements StreamEvent {
    @Override
    public String eventName() {
      return "message_stop";
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Ping() implements StreamEvent {
    @Override
    public String eventName() {
      return "ping";
    }
  }

  /** An error after the stream began, e.g. {@code overloaded_error}; the stream ends with it. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Error(ErrorInfo error) implements StreamEvent {
    @Override
    public String eventName() {
      return "error";
    }
  }

  /** An event type these records do not know yet; Anthropic's versioning policy says to skip it. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Unknown() implements StreamEvent {
    @Override
    public String eventName() {
      return "unknown";
    }
  }
}
