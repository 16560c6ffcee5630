package io.switchboard.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.apache.pekko.util.ByteString;

/**
 * The exact-match identity of a chat request: SHA-256 of its body as canonical JSON (object keys
 * sorted at every depth, no whitespace) without {@code stream} and {@code stream_options}. Two
 * requests that differ only in key order, spacing or whether they stream are the same request; any
 * other difference (a message, a parameter, {@code 1} against {@code 1.0}) is a different one.
 * Dropping the stream flags is what lets a streaming request be served from a stored completion.
 */
final class RequestFingerprint {
  private static final String[] IGNORED = {"stream", "stream_options"};

  private final ObjectMapper mapper;
  private final ObjectMapper canonical;

  RequestFingerprint(ObjectMapper mapper) {
    this.mapper = mapper;
    this.canonical = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
  }

  /** Hex SHA-256 of the canonical body; the body was decoded already, so it is a JSON object. */
  String of(ByteString body) {
    try {
      JsonNode tree = mapper.readTree(body.toArray());
      if (tree instanceof ObjectNode object) object.remove(List.of(IGNORED));
      // A tree of Maps and Lists: ORDER_MAP_ENTRIES_BY_KEYS sorts maps at every depth, ObjectNodes it would not.
      Object plain = canonical.convertValue(tree, Object.class);
      return HexFormat.of().formatHex(sha256().digest(canonical.writeValueAsBytes(plain)));
    } catch (IOException e) {
      throw new IllegalArgumentException("request body is not JSON", e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
