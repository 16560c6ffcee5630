package io.switchboard.exchange;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.switchboard.config.FanOutSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.util.ByteString;

/**
 * How a {@code vote} compares answers: each chat completion is reduced to a key by the fan-out's
 * {@code vote.normalize} rule, and answers with equal keys agree. Pure: no Pekko, no clock.
 */
final class Consensus {
  private final FanOutSettings.Vote vote;
  private final ObjectMapper canonical;
  private final ObjectMapper mapper;
  private final Pattern pattern;

  Consensus(FanOutSettings.Vote vote, ObjectMapper mapper) {
    this.vote = vote;
    this.mapper = mapper;
    this.canonical = mapper.copy().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    this.pattern = vote.normalize() == FanOutSettings.Normalize.REGEX ? Pattern.compile(vote.extract()) : null;
  }

  /** The text of a chat completion's first choice ({@code ""} when it has none); tool calls are not text. */
  static String text(JsonNode completion) {
    JsonNode content = completion.path("choices").path(0).path("message").path("content");
    return content.isTextual() ? content.asText() : "";
  }

  /**
   * The key an answer is compared by: its tool calls (names and canonical arguments) when it made any,
   * its text otherwise, normalised as configured. Null when the answer has nothing to compare (a regex or
   * pointer that finds nothing): such an answer agrees with no other.
   */
  String key(ByteString body) {
    JsonNode completion;
    try {
      completion = mapper.readTree(body.toArray());
    } catch (IOException e) {
      return null;
    }
    JsonNode toolCalls = completion.path("choices").path(0).path("message").path("tool_calls");
    if (toolCalls.isArray() && !toolCalls.isEmpty()) return "tools:" + tools((ArrayNode) toolCalls);
    String text = text(completion);
    return switch (vote.normalize()) {
      case TEXT -> folded(text);
      case JSON -> json(text).map(this::write).orElseGet(() -> folded(text));
      case REGEX -> {
        Matcher m = pattern.matcher(text);
        if (!m.find()) yield null;
        yield folded(m.groupCount() > 0 && m.group(1) != null ? m.group(1) : m.group());
      }
      case JSON_POINTER -> json(text).map(node -> node.at(vote.extract()))
          .filter(node -> !node.isMissingNode())
          .map(node -> node.isTextual() ? folded(node.asText()) : write(node)).orElse(null);
    };
  }

  /** Trimmed, inner white space collapsed to one space, case-folded. */
  static String folded(String text) {
    return text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
  }

  private String tools(ArrayNode calls) {
    List<Map<String, Object>> canonicalCalls = new ArrayList<>();
    for (JsonNode call : calls) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("name", call.path("function").path("name").asText());
      String arguments = call.path("function").path("arguments").asText();
      one.put("arguments", json(arguments).map(this::write).orElse(arguments.strip()));
      canonicalCalls.add(one);
    }
    try {
      return canonical.writeValueAsString(canonicalCalls);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private java.util.Optional<JsonNode> json(String text) {
    String t = text.strip();
    // A model often fences its JSON: ```json ... ```
    if (t.startsWith("```")) {
      int open = t.indexOf('\n');
      int close = t.lastIndexOf("```");
      if (open > 0 && close > open) t = t.substring(open + 1, close).strip();
    }
    try {
      JsonNode node = mapper.readTree(t);
      return node == null || node.isMissingNode() || !(node.isObject() || node.isArray())
          ? java.util.Optional.empty() : java.util.Optional.of(node);
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
  }

  private String write(JsonNode node) {
    try {
      return canonical.writeValueAsString(canonical.treeToValue(node, Object.class));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Answers grouped by key, biggest group first (on a tie, the group of the answer listed first); an answer without
   * a key is a group of its own.
   *
   * @param keys each answer's key, in the order the answers came
   * @return groups of answer indexes
   */
  static List<List<Integer>> groups(List<String> keys) {
    Map<Object, List<Integer>> byKey = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      Object key = keys.get(i) != null ? keys.get(i) : new Object();
      byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
    }
    List<List<Integer>> groups = new ArrayList<>(byKey.values());
    groups.sort((a, b) -> Integer.compare(b.size(), a.size()));
    return groups;
  }
}
