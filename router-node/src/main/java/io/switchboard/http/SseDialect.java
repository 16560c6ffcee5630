package io.switchboard.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.anthropic.ErrorEnvelope;
import io.switchboard.api.anthropic.ErrorInfo;
import io.switchboard.provider.StreamFault;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UsageReader;
import io.switchboard.provider.anthropic.AnthropicUsage;
import org.apache.pekko.util.ByteString;

/**
 * What {@link SseResponse} needs to know of the dialect a stream is in: where the usage is, which
 * event ends it, and how a failure is told as the stream's last event. OpenAI's streams end with
 * {@code data: [DONE]}; Anthropic's (passed through from an Anthropic upstream) with
 * {@code message_stop}, and tell failures as an {@code error} event; the Responses API's (passed through
 * from an upstream that serves it) with {@code response.completed} or another terminal event.
 */
interface SseDialect {

  /** The counts so far, updated by one event; {@code soFar} is null until an event reports usage. */
  TokenUsage usage(TokenUsage soFar, ByteString event);

  /** Whether this event is the stream's last: its end marker, or an error. */
  boolean isEnd(ByteString event);

  /** Whether this event tells a failure: the stream ends with it, and the call did not succeed. */
  boolean isError(ByteString event);

  /** The event that ends a stream with {@code error}. */
  ByteString errorEvent(ApiError error);

  /** What a stream that stops without its end marker ends with. */
  ApiError truncated();

  static SseDialect openAi(UsageReader usage, ObjectMapper mapper) {
    ByteString done = ByteString.fromString("data: [DONE]");
    ByteString error = ByteString.fromString("data: {\"error\"");
    ApiError truncated = ApiError.of(502, StreamFault.RESET.code(), StreamFault.RESET.code(), null,
        "The upstream stream ended before its final 'data: [DONE]' event; the answer may be incomplete.");
    return new SseDialect() {
      @Override
      public TokenUsage usage(TokenUsage soFar, ByteString event) {
        return soFar != null ? soFar : usage.fromEvent(event).orElse(null);
      }

      @Override
      public boolean isEnd(ByteString event) {
        return startsWith(event, done) || startsWith(event, error);
      }

      @Override
      public boolean isError(ByteString event) {
        return startsWith(event, error);
      }

      @Override
      public ByteString errorEvent(ApiError e) {
        return ByteString.fromString("data: ").concat(e.toJson(mapper)).concat(ByteString.fromString("\n\n"));
      }

      @Override
      public ApiError truncated() {
        return truncated;
      }
    };
  }

  static SseDialect anthropic(AnthropicUsage usage, ObjectMapper mapper) {
    ByteString stop = ByteString.fromString("event: message_stop");
    ByteString error = ByteString.fromString("event: error");
    ApiError truncated = ApiError.of(502, StreamFault.RESET.code(), StreamFault.RESET.code(), null,
        "The upstream stream ended before its 'message_stop' event; the answer may be incomplete.");
    return new SseDialect() {
      @Override
      public TokenUsage usage(TokenUsage soFar, ByteString event) {
        return usage.fold(soFar, event);
      }

      @Override
      public boolean isEnd(ByteString event) {
        return startsWith(event, stop) || startsWith(event, error);
      }

      @Override
      public boolean isError(ByteString event) {
        return startsWith(event, error);
      }

      @Override
      public ByteString errorEvent(ApiError e) {
        // A stream fault keeps its code as the type, so an Anthropic client can tell a reset from a stall.
        String type = StreamFault.ofCode(e.body().error().code()).map(StreamFault::code)
            .orElse(ApiError.OVERLOADED_TYPE.equals(e.body().error().type()) ? ErrorInfo.OVERLOADED
                : AnthropicMessages.errorType(e.status()));
        try {
          return ByteString.fromString("event: error\ndata: ")
              .concat(ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(ErrorEnvelope.of(type, e.getMessage()))))
              .concat(ByteString.fromString("\n\n"));
        } catch (JsonProcessingException impossible) {
          throw new IllegalStateException(impossible);
        }
      }

      @Override
      public ApiError truncated() {
        return truncated;
      }
    };
  }

  /**
   * The Responses API's event stream, passed through from an upstream that serves it: usage is the
   * {@code response} of {@code response.completed} (or {@code response.incomplete}); it ends with one of
   * those, {@code response.failed} or {@code error} (there is no {@code [DONE]}); a failure is told as an
   * {@code error} event.
   */
  static SseDialect responses(ObjectMapper mapper) {
    ApiError truncated = ApiError.of(502, "upstream_malformed_response", "upstream_malformed_response", null,
        "The upstream stream ended before its final 'response.completed' event; the answer may be incomplete.");
    return new SseDialect() {
      @Override
      public TokenUsage usage(TokenUsage soFar, ByteString event) {
        String name = ResponsesSse.name(event, mapper);
        if (!name.equals("response.completed") && !name.equals("response.incomplete")) return soFar;
        JsonNode data = ResponsesSse.data(event, mapper);
        return data == null ? soFar : UsageReader.usage(data.path("response").path("usage")).orElse(soFar);
      }

      @Override
      public boolean isEnd(ByteString event) {
        return ResponsesSse.ENDS.contains(ResponsesSse.name(event, mapper));
      }

      @Override
      public boolean isError(ByteString event) {
        String name = ResponsesSse.name(event, mapper);
        return name.equals("response.failed") || name.equals("error");
      }

      @Override
      public ByteString errorEvent(ApiError e) {
        return ResponsesSse.errorEvent(e, mapper);
      }

      @Override
      public ApiError truncated() {
        return truncated;
      }
    };
  }

  private static boolean startsWith(ByteString event, ByteString prefix) {
    return event.length() >= prefix.length() && event.slice(0, prefix.length()).equals(prefix);
  }
}
