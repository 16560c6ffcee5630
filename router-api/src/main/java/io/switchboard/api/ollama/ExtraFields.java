package io.switchboard.api.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shared rules for the {@code extra} component of the wire records: never null, read-only,
 * and in the order Jackson handed the properties over.
 *
 * <p>Jackson 2.x hands a creator any-setter its properties in reverse order of arrival
 * (jackson-databind#5353, fixed only in 3.2). JSON objects are unordered, so a re-serialized body
 * is equivalent to the one received, but unknown keys come out in reverse relative order.
 */
final class ExtraFields {

  /**
   * The name Jackson binds the {@code extra} constructor parameter to. Left implicit it would be
   * "extra", and a client sending an {@code "extra"} key would have that value bound to the
   * map itself (lost, or a failed parse) instead of passed through. The any-getter flattens the
   * map on write, so this name never appears in output; it only has to be a key no real body
   * carries.
   */
  static final String PROPERTY_NAME = "\u0000switchboard.extra";

  private ExtraFields() {
  }

  static Map<String, JsonNode> normalize(Map<String, JsonNode> extra) {
    if (extra == null || extra.isEmpty()) {
      return Collections.emptyMap();
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(extra));
  }
}
