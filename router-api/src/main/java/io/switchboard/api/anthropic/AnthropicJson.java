package io.switchboard.api.anthropic;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** Constants of the Anthropic wire protocol and the mapper configured for it. */
public final class AnthropicJson {

  /** The {@code anthropic-version} header value these records follow. */
  public static final String API_VERSION = "2023-06-01";

  /** Header carrying the API key (Anthropic does not use {@code Authorization: Bearer}). */
  public static final String API_KEY_HEADER = "x-api-key";

  /** Header carrying the API version. */
  public static final String VERSION_HEADER = "anthropic-version";

  private AnthropicJson() {
  }

  /** A mapper tolerant of unknown properties, writing compact JSON (one SSE data line per event). */
  public static ObjectMapper newMapper() {
    return new ObjectMapper()
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
        .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false)
        .configure(SerializationFeature.INDENT_OUTPUT, false);
  }
}
