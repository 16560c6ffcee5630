package io.switchboard.orchestration;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.config.AutoRouteSettings.Objective;
import java.util.Locale;
import java.util.Map;

/**
 * A request's own objective for an auto route: a preset name ({@code cheapest}, {@code fastest},
 * {@code best}, {@code balanced}) or weights, as the header {@code x-switchboard-objective:
 * cost=1,latency=0,quality=0} or the body field {@code "switchboard": {"objective": ...}} (a preset
 * name, or {@code {"cost": 1, "latency": 0, "quality": 0}}). A weight not given is 0.
 */
public final class Objectives {
  public static final String HEADER = "x-switchboard-objective";

  private static final Map<String, Objective> PRESETS = Map.of(
      "cheapest", new Objective(1, 0, 0),
      "fastest", new Objective(0, 1, 0),
      "best", new Objective(0, 0, 1),
      "balanced", new Objective(1, 1, 1));

  private Objectives() {}

  /**
   * The objective a header value states.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static Objective parse(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    Objective preset = PRESETS.get(v);
    if (preset != null) return preset;
    double cost = 0;
    double latency = 0;
    double quality = 0;
    for (String part : v.split(",")) {
      String[] kv = part.split("=", 2);
      if (kv.length != 2) throw invalid(value);
      double weight;
      try {
        weight = Double.parseDouble(kv[1].trim());
      } catch (NumberFormatException e) {
        throw invalid(value);
      }
      switch (kv[0].trim()) {
        case "cost" -> cost = weight;
        case "latency" -> latency = weight;
        case "quality" -> quality = weight;
        default -> throw invalid(value);
      }
    }
    return objective(cost, latency, quality, value);
  }

  /** The objective the body field's {@code objective} states: a preset name or an object of weights. */
  public static Objective parse(JsonNode node) {
    if (node.isTextual()) return parse(node.textValue());
    if (!node.isObject()) throw invalid(node.toString());
    node.fieldNames().forEachRemaining(field -> {
      if (!field.equals("cost") && !field.equals("latency") && !field.equals("quality")) throw invalid(node.toString());
    });
    for (JsonNode weight : node) {
      if (!weight.isNumber()) throw invalid(node.toString());
    }
    return objective(node.path("cost").asDouble(0), node.path("latency").asDouble(0), node.path("quality").asDouble(0),
        node.toString());
  }

  private static Objective objective(double cost, double latency, double quality, String value) {
    try {
      return new Objective(cost, latency, quality);
    } catch (IllegalArgumentException e) {
      throw invalid(value);
    }
  }

  private static IllegalArgumentException invalid(String value) {
    return new IllegalArgumentException("the objective must be one of cheapest, fastest, best, balanced, or weights"
        + " like cost=1,latency=0,quality=2 (each 0 or more, not all 0); got '" + value + "'");
  }
}
