package io.switchboard.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Set;
import org.apache.pekko.util.ByteString;

/**
 * One frame of a Responses API event stream as an upstream writes it: {@code event: <name>} and
 * {@code data: <json>} lines. A host that leaves out the {@code event:} line is read by the
 * {@code type} of its data, which the Responses API always sets.
 */
final class ResponsesSse {
  /** The events after which a Responses stream has nothing more to say. */
  static final Set<String> ENDS = Set.of("response.completed", "response.incomplete", "response.failed", "error");

  private ResponsesSse() {}

  /** The event's name; empty when the frame has none (a comment, a keep-alive). */
  static String name(ByteString frame, ObjectMapper mapper) {
    String text = frame.utf8String();
    if (text.startsWith("event:")) {
      int end = text.indexOf('\n');
      return (end < 0 ? text.substring(6) : text.substring(6, end)).strip();
    }
    JsonNode data = data(frame, mapper);
    return data == null ? "" : data.path("type").asText("");
  }

  /** The frame's {@code data} as JSON; null when it has none or it is not JSON. */
  static JsonNode data(ByteString frame, ObjectMapper mapper) {
    String text = frame.utf8String();
    int at = text.startsWith("data:") ? 0 : text.indexOf("\ndata:") + 1;
    if (at <= 0 && !text.startsWith("data:")) return null;
    int end = text.indexOf('\n', at);
    String data = (end < 0 ? text.substring(at + 5) : text.substring(at + 5, end)).strip();
    try {
      return data.isEmpty() ? null : mapper.readTree(data);
    } catch (IOException notJson) {
      return null;
    }
  }

  /** A frame of {@code name} carrying {@code data}. */
  static ByteString frame(String name, JsonNode data, ObjectMapper mapper) {
    try {
      return ByteString.fromString("event: " + name + "\ndata: ")
          .concat(ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(data))).concat(ByteString.fromString("\n\n"));
    } catch (JsonProcessingException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /** The {@code error} event the Responses API ends a failed stream with. */
  static ByteString errorEvent(ApiError error, ObjectMapper mapper) {
    ObjectNode event = mapper.createObjectNode();
    event.put("type", "error");
    event.put("code", error.body().error().code());
    event.put("message", error.body().error().message());
    event.putNull("param");
    return frame("error", event, mapper);
  }
}
