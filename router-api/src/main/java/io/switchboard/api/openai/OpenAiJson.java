package io.switchboard.api.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The one place the mapper for this wire format is configured, so the HTTP layer and the tests
 * read and write bodies identically.
 */
public final class OpenAiJson {

  /** The payload of the last server-sent event of a stream: {@code data: [DONE]}. */
  public static final String DONE_SENTINEL = "[DONE]";

  private OpenAiJson() {
  }

  /**
   * A fresh mapper: tolerant of unknown properties (records keep them in {@code extra}; the
   * others may drop them) and writing compact JSON, one event per SSE line.
   */
  public static ObjectMapper newMapper() {
    return newMapper(new JsonFactory());
  }

  /** {@link #newMapper()} reading and writing through {@code factory}. */
  public static ObjectMapper newMapper(JsonFactory factory) {
    return new ObjectMapper(factory)
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
        .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false)
        .configure(SerializationFeature.INDENT_OUTPUT, false);
  }
}
