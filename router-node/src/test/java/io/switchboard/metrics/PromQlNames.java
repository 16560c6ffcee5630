package io.switchboard.metrics;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression selects, and those a Prometheus text scrape exposes. Enough
 * PromQL for dashboards and alert rules: string literals, label matchers ({@code {...}}), ranges
 * ({@code [...]}) and label lists after {@code by}, {@code without}, {@code on}, {@code ignoring},
 * {@code group_left} and {@code group_right} are dropped; what is left that is an identifier, not a
 * function call, keyword or number is a metric name.
 */
final class PromQlNames {
  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
      "bool", "and", "or", "unless", "offset", "inf", "nan");
  private static final Pattern LABEL_LIST =
      Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  private PromQlNames() {}

  static Set<String> selected(String expression) {
    String e = expression.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
        .replaceAll("\\{[^}]*}", "")
        .replaceAll("\\[[^]]*]", "");
    e = LABEL_LIST.matcher(e).replaceAll("");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(e);
    while (m.find()) {
      String name = m.group();
      if (m.start() > 0 && (Character.isDigit(e.charAt(m.start() - 1)) || e.charAt(m.start() - 1) == '$'
          || e.charAt(m.start() - 1) == '.')) {
        continue; // a number's exponent or unit, or a Grafana variable
      }
      int next = m.end();
      while (next < e.length() && e.charAt(next) == ' ') next++;
      boolean call = next < e.length() && e.charAt(next) == '(';
      if (!call && !KEYWORDS.contains(name.toLowerCase(java.util.Locale.ROOT))) names.add(name);
    }
    return names;
  }

  /** Every sample's metric name in a Prometheus text exposition. */
  static Set<String> exposed(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) continue;
      int end = 0;
      while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') end++;
      names.add(line.substring(0, end));
    }
    return names;
  }
}
