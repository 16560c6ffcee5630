package io.switchboard.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.util.ByteString;

/**
 * The text of a streamed answer as it passes, so its completion tokens can be counted when the stream
 * carries no usage chunk (the client did not ask for {@code stream_options.include_usage}, or the
 * stream was cut short). Each {@code data:} event is scanned as bytes by Jackson's token parser, no
 * string and no tree (it is on every event's path), for the text of its choices: a chat chunk's
 * {@code delta.content}, {@code delta.refusal} and tool calls' {@code function.arguments}, a legacy text
 * completion's {@code text}. Once a chunk carries a {@code usage} object the count is not needed and
 * events pass without a look.
 */
final class StreamTally {
  private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

  private final ObjectMapper mapper;
  private final StringBuilder text = new StringBuilder();
  /** One chunk's text before it is kept; reused, since one stage observes a stream's events one at a time. */
  private final StringBuilder chunkText = new StringBuilder();
  private volatile boolean usageSeen;

  StreamTally(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** Looks at one event on its way to the client; returns it unchanged. */
  ByteString observe(ByteString event) {
    if (usageSeen || !startsWithData(event)) return event;
    byte[] bytes = event.toArrayUnsafe(); // a copy only when the event is in parts (the frame and its blank line)
    StringBuilder found = chunkText;
    found.setLength(0);
    try (JsonParser parser = mapper.getFactory().createParser(bytes, DATA.length, bytes.length - DATA.length)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) return event;
      if (chunk(parser, found)) {
        usageSeen = true;
        return event;
      }
    } catch (IOException notJson) {
      return event; // not a chunk we can read: nothing to count
    }
    if (found.length() > 0) {
      synchronized (text) {
        text.append(found);
      }
    }
    return event;
  }

  /** A chunk's fields, its choices' text into {@code found}; whether it carries a usage object. */
  private static boolean chunk(JsonParser parser, StringBuilder found) throws IOException {
    boolean usage = false;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      if (value == JsonToken.START_ARRAY && "choices".equals(name)) {
        for (JsonToken choice = parser.nextToken(); choice != JsonToken.END_ARRAY; choice = parser.nextToken()) {
          if (choice == JsonToken.START_OBJECT) choice(parser, found);
          else parser.skipChildren();
        }
      } else {
        if (value == JsonToken.START_OBJECT && "usage".equals(name)) usage = true;
        parser.skipChildren();
      }
    }
    return usage;
  }

  /** One choice: a legacy completion's {@code text}, or a chat chunk's {@code delta}. */
  private static void choice(JsonParser parser, StringBuilder found) throws IOException {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      if (value == JsonToken.VALUE_STRING && "text".equals(name)) found.append(parser.getText());
      else if (value == JsonToken.START_OBJECT && "delta".equals(name)) delta(parser, found);
      else parser.skipChildren();
    }
  }

  private static void delta(JsonParser parser, StringBuilder found) throws IOException {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      if (value == JsonToken.VALUE_STRING && ("content".equals(name) || "refusal".equals(name))) {
        found.append(parser.getText());
      } else if (value == JsonToken.START_ARRAY && "tool_calls".equals(name)) {
        for (JsonToken call = parser.nextToken(); call != JsonToken.END_ARRAY; call = parser.nextToken()) {
          if (call == JsonToken.START_OBJECT) toolCall(parser, found);
          else parser.skipChildren();
        }
      } else {
        parser.skipChildren();
      }
    }
  }

  private static void toolCall(JsonParser parser, StringBuilder found) throws IOException {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      if (value == JsonToken.START_OBJECT && "function".equals(name)) {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          boolean arguments = "arguments".equals(parser.currentName());
          JsonToken argumentsValue = parser.nextToken();
          if (arguments && argumentsValue == JsonToken.VALUE_STRING) found.append(parser.getText());
          else parser.skipChildren();
        }
      } else {
        parser.skipChildren();
      }
    }
  }

  private static boolean startsWithData(ByteString event) {
    if (event.length() < DATA.length) return false;
    for (int i = 0; i < DATA.length; i++) {
      if (event.apply(i) != DATA[i]) return false;
    }
    return true;
  }

  String text() {
    synchronized (text) {
      return text.toString();
    }
  }
}
