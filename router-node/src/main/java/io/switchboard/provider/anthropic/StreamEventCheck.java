package io.switchboard.provider.anthropic;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.switchboard.provider.SseFrame;
import io.switchboard.provider.StreamFault;
import java.io.IOException;
import java.util.Set;
import org.apache.pekko.util.ByteString;

/**
 * Checks one event of an Anthropic stream passed through to an Anthropic client, and says what it is.
 * An event must be a well-formed SSE frame ({@link SseFrame}) named as one of the Messages API's
 * events, with one JSON object as its data whose {@code type} repeats the name; a comment passes as a
 * keep-alive. Anything else (text that is not JSON, binary bytes, an event type the gateway does not
 * know) fails as a malformed event.
 *
 * <p>The data is scanned by Jackson's token parser, without building a tree; the scan also notes a
 * {@code message_delta}'s {@code stop_reason}, which makes a stream whole even if its
 * {@code message_stop} never comes.
 */
final class StreamEventCheck {
  /** What one event is. */
  enum Verdict { EVENT, STOP_REASON, STOP, ERROR, COMMENT }

  /** The events of the Messages API's stream. */
  static final Set<String> EVENTS = Set.of("message_start", "content_block_start", "content_block_delta",
      "content_block_stop", "message_delta", "message_stop", "ping", "error");

  private final JsonFactory json;
  private final String provider;

  StreamEventCheck(JsonFactory json, String provider) {
    this.json = json;
    this.provider = provider;
  }

  /** What {@code frame} (one event without its blank line) is; fails when it breaks the protocol. */
  Verdict check(ByteString frame) {
    SseFrame event = frame(frame, provider);
    if (event.isComment()) return Verdict.COMMENT;
    if (event.data() == null) throw StreamFault.malformedEvent(provider, "an event without data");
    boolean stopReason;
    try (JsonParser parser = json.createParser(event.data())) {
      stopReason = scan(parser, event.event());
    } catch (IOException e) {
      throw StreamFault.malformedEvent(provider, "an event whose data is not JSON");
    }
    return switch (event.event()) {
      case "error" -> Verdict.ERROR;
      case "message_stop" -> Verdict.STOP;
      default -> stopReason ? Verdict.STOP_REASON : Verdict.EVENT;
    };
  }

  /** The frame read strictly, named as one of {@link #EVENTS} unless it is a comment. */
  static SseFrame frame(ByteString frame, String provider) {
    SseFrame event;
    try {
      event = SseFrame.parse(frame.asByteBuffer());
    } catch (IllegalArgumentException e) {
      throw StreamFault.malformedEvent(provider, e.getMessage());
    }
    if (event.isComment()) return event;
    if (event.event() == null || !EVENTS.contains(event.event())) {
      throw StreamFault.malformedEvent(provider, "an event of a type the Messages API does not have");
    }
    return event;
  }

  /** Reads the whole object; whether it is a {@code message_delta} with a {@code stop_reason}. */
  private boolean scan(JsonParser parser, String name) throws IOException {
    if (parser.nextToken() != JsonToken.START_OBJECT) {
      throw StreamFault.malformedEvent(provider, "an event whose data is not a JSON object");
    }
    String type = null;
    boolean stopReason = false;
    for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      if (value == JsonToken.VALUE_STRING && "type".equals(field)) {
        type = parser.getText();
      } else if (value == JsonToken.START_OBJECT && "delta".equals(field) && "message_delta".equals(name)) {
        for (JsonToken t = parser.nextToken(); t == JsonToken.FIELD_NAME; t = parser.nextToken()) {
          boolean reason = "stop_reason".equals(parser.currentName());
          if (parser.nextToken() == JsonToken.VALUE_STRING && reason) stopReason = true;
          else parser.skipChildren();
        }
      } else {
        parser.skipChildren();
      }
    }
    if (parser.nextToken() != null) throw StreamFault.malformedEvent(provider, "an event with more than one JSON value");
    if (!name.equals(type)) throw StreamFault.malformedEvent(provider, "an event whose data's 'type' is not its name");
    return stopReason;
  }
}
