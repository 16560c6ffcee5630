package io.switchboard.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.apache.pekko.util.ByteString;

/**
 * The text of a streamed answer as it passes, so its completion tokens can be counted when the stream
 * carries no usage chunk (the client did not ask for {@code stream_options.include_usage}, or the
 * stream was cut short). Only events that carry a {@code delta} (or a legacy text completion's
 * {@code text}) are parsed, and only until the usage chunk makes the count unnecessary.
 */
final class StreamTally {

  private final ObjectMapper mapper;
  private final StringBuilder text = new StringBuilder();
  private volatile boolean usageSeen;

  StreamTally(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** Looks at one event on its way to the client; returns it unchanged. */
  ByteString observe(ByteString event) {
    if (usageSeen) return event;
    String data = event.utf8String();
    if (data.contains("\"usage\":{") || data.contains("\"usage\": {")) {
      usageSeen = true;
      return event;
    }
    if (!data.startsWith("data:") || !(data.contains("\"delta\"") || data.contains("\"text\""))) return event;
    try {
      JsonNode chunk = mapper.readTree(data.substring(5));
      for (JsonNode choice : chunk.path("choices")) {
        appendText(choice.path("text")); // a legacy text completion's chunk
        JsonNode delta = choice.path("delta");
        appendText(delta.path("content"));
        appendText(delta.path("refusal"));
        for (JsonNode call : delta.path("tool_calls")) appendText(call.path("function").path("arguments"));
      }
    } catch (IOException notJson) {
      // not a chunk we can read: nothing to count
    }
    return event;
  }

  private void appendText(JsonNode node) {
    if (node.isTextual()) {
      synchronized (text) {
        text.append(node.textValue());
      }
    }
  }

  String text() {
    synchronized (text) {
      return text.toString();
    }
  }
}
