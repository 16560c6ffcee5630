package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.openai.OpenAiJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Golden wire fixtures under {@code src/test/resources/golden/}: reading them, and comparing JSON field
 * by field with a failure message that lists every differing path ({@code $.choices[0].finish_reason:
 * expected "stop" but was "length"}), so a broken translation says where it broke.
 */
public final class Golden {
  public static final ObjectMapper MAPPER = OpenAiJson.newMapper();

  /** One server-sent event: its {@code event:} name (null when absent) and its {@code data:}. */
  public record Event(String name, String data) {}

  private Golden() {}

  public static String text(String path) {
    try (InputStream in = Golden.class.getResourceAsStream("/golden/" + path)) {
      if (in == null) throw new AssertionError("no golden fixture " + path);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonNode json(String path) {
    return tree(text(path));
  }

  public static <T> T read(String path, Class<T> type) {
    try {
      return MAPPER.readValue(text(path), type);
    } catch (IOException e) {
      throw new AssertionError("golden fixture " + path + " does not read as " + type.getSimpleName(), e);
    }
  }

  /** The events of an SSE fixture, in order. */
  public static List<Event> events(String path) {
    return parseEvents(text(path));
  }

  public static List<Event> parseEvents(String sse) {
    List<Event> events = new ArrayList<>();
    for (String block : sse.split("\n\n")) {
      String name = null;
      StringBuilder data = new StringBuilder();
      for (String line : block.split("\n")) {
        if (line.startsWith("event:")) name = line.substring(6).trim();
        if (line.startsWith("data:")) data.append(line.substring(5).trim());
      }
      if (name != null || data.length() > 0) events.add(new Event(name, data.toString()));
    }
    return events;
  }

  /** The non-blank lines of an NDJSON fixture. */
  public static List<String> lines(String path) {
    return text(path).lines().filter(l -> !l.isBlank()).toList();
  }

  public static JsonNode tree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }

  public static JsonNode tree(Object value) {
    return MAPPER.valueToTree(value);
  }

  /** Asserts two JSON documents are equal, listing every path where they differ. */
  public static void assertJsonEquals(JsonNode expected, JsonNode actual, String what) {
    List<String> diffs = new ArrayList<>();
    diff("$", expected, actual, diffs);
    if (!diffs.isEmpty()) {
      fail(what + " differs from the golden fixture at " + diffs.size() + " place(s):\n  " + String.join("\n  ", diffs)
          + "\nactual: " + actual);
    }
  }

  /** Asserts two event sequences are equal: same count, same names, data equal as JSON (or as text). */
  public static void assertEventsEqual(List<Event> expected, List<Event> actual, String what) {
    for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
      Event e = expected.get(i);
      Event a = actual.get(i);
      assertEquals(e.name(), a.name(), what + ": name of event " + i);
      if (e.data().startsWith("{")) {
        assertJsonEquals(tree(e.data()), tree(a.data()), what + ", event " + i);
      } else {
        assertEquals(e.data(), a.data(), what + ": data of event " + i);
      }
    }
    assertEquals(expected.size(), actual.size(), what + ": number of events; actual " + actual);
  }

  private static void diff(String path, JsonNode expected, JsonNode actual, List<String> diffs) {
    if (expected.isObject() && actual.isObject()) {
      TreeSet<String> keys = new TreeSet<>();
      expected.fieldNames().forEachRemaining(keys::add);
      actual.fieldNames().forEachRemaining(keys::add);
      for (String key : keys) {
        String at = path + "." + key;
        if (!actual.has(key)) diffs.add(at + ": missing (expected " + expected.get(key) + ")");
        else if (!expected.has(key)) diffs.add(at + ": unexpected " + actual.get(key));
        else diff(at, expected.get(key), actual.get(key), diffs);
      }
    } else if (expected.isArray() && actual.isArray()) {
      for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
        String at = path + "[" + i + "]";
        if (i >= actual.size()) diffs.add(at + ": missing (expected " + expected.get(i) + ")");
        else if (i >= expected.size()) diffs.add(at + ": unexpected " + actual.get(i));
        else diff(at, expected.get(i), actual.get(i), diffs);
      }
    } else if (expected.isNumber() && actual.isNumber()) {
      if (expected.decimalValue().compareTo(actual.decimalValue()) != 0) {
        diffs.add(path + ": expected " + expected + " but was " + actual);
      }
    } else if (!expected.equals(actual)) {
      diffs.add(path + ": expected " + expected + " but was " + actual);
    }
  }

}
