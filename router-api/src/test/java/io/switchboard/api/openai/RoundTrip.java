package io.switchboard.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Read-then-write assertion shared by the wire tests. Compares trees, not strings: JSON objects
 * are unordered, and Jackson 2.x reorders the pass-through keys (see {@code ExtraFields}).
 */
final class RoundTrip {

  static final ObjectMapper MAPPER = OpenAiJson.newMapper();

  private RoundTrip() {
  }

  /** Parses {@code json} as {@code type}, writes it back, and asserts nothing was lost or added. */
  static <T> T assertLossless(String json, Class<T> type) throws JsonProcessingException {
    T value = MAPPER.readValue(json, type);
    JsonNode written = MAPPER.readTree(MAPPER.writeValueAsString(value));
    assertEquals(MAPPER.readTree(json), written);
    return value;
  }

  static JsonNode tree(Object value) throws JsonProcessingException {
    return MAPPER.readTree(MAPPER.writeValueAsString(value));
  }
}
