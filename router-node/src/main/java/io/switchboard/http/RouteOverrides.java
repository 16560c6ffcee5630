package io.switchboard.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.config.AutoRouteSettings;
import io.switchboard.orchestration.Objectives;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.util.ByteString;

/**
 * A request's own objective for an auto route, from the header {@value Objectives#HEADER} or the body
 * field {@code "switchboard": {"objective": ...}} (the body wins). The body field is the gateway's, so it is
 * taken out of the bytes before they are decoded: no upstream ever sees it. Bodies without it are not
 * parsed twice (a byte search for the field's name first).
 */
final class RouteOverrides {
  static final String FIELD = "switchboard";
  private static final byte[] QUOTED_FIELD = ("\"" + FIELD + "\"").getBytes(StandardCharsets.UTF_8);

  private RouteOverrides() {}

  /** The body without the {@code switchboard} field, and that field's objective if it had one. */
  record Stripped(ByteString body, AutoRouteSettings.Objective objective) {}

  static Stripped strip(ByteString body, ObjectMapper mapper) {
    if (!contains(body, QUOTED_FIELD)) return new Stripped(body, null);
    JsonNode tree;
    try {
      tree = mapper.readTree(body.toArrayUnsafe());
    } catch (IOException unreadable) {
      return new Stripped(body, null); // the decoder answers 400 naming what is wrong
    }
    if (!(tree instanceof ObjectNode object) || !object.has(FIELD)) return new Stripped(body, null);
    JsonNode ours = object.remove(FIELD);
    AutoRouteSettings.Objective objective = null;
    if (!ours.isObject()) {
      throw ApiError.invalidRequest("The field '" + FIELD + "' must be an object such as"
          + " {\"objective\": \"cheapest\"}.", FIELD, "invalid_switchboard_field");
    }
    JsonNode asked = ours.get("objective");
    if (asked != null && !asked.isNull()) {
      try {
        objective = Objectives.parse(asked);
      } catch (IllegalArgumentException e) {
        throw ApiError.invalidRequest("switchboard.objective: " + e.getMessage() + ".", FIELD + ".objective",
            "invalid_objective");
      }
    }
    try {
      return new Stripped(ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(object)), objective);
    } catch (IOException e) {
      throw new IllegalStateException("a parsed body could not be written again", e);
    }
  }

  /** The body field's objective, else the header's; null when neither states one. */
  static AutoRouteSettings.Objective objective(HttpRequest request, Stripped stripped) {
    if (stripped.objective() != null) return stripped.objective();
    Optional<HttpHeader> header = request.getHeader(Objectives.HEADER);
    if (header.isEmpty()) return null;
    try {
      return Objectives.parse(header.get().value());
    } catch (IllegalArgumentException e) {
      throw ApiError.of(400, ApiError.INVALID_REQUEST, "invalid_header", Objectives.HEADER,
          "Header " + Objectives.HEADER + ": " + e.getMessage() + ".");
    }
  }

  private static boolean contains(ByteString body, byte[] needle) {
    byte[] bytes = body.toArrayUnsafe();
    outer:
    for (int i = 0; i + needle.length <= bytes.length; i++) {
      for (int k = 0; k < needle.length; k++) {
        if (bytes[i + k] != needle[k]) continue outer;
      }
      return true;
    }
    return false;
  }
}
