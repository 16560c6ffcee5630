package io.switchboard.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code switchboard.routes.<name>} (over {@code route-defaults}) and {@code switchboard.analyzer};
 * every mistake is a {@link SettingsException} naming the key.
 */
final class AutoRouteConfig {
  private AutoRouteConfig() {}

  static AutoRouteSettings route(String name, Config r, Set<String> models) {
    String path = "switchboard.routes." + name;
    if (models.contains(name)) {
      throw new SettingsException(path + ": a model is named '" + name + "' too; a client asking for it could not"
          + " say which it means. Rename the route or the model.");
    }
    List<String> candidates = r.getStringList("candidates");
    if (candidates.isEmpty()) throw new SettingsException(path + ".candidates is empty: list the models to choose among");
    for (String c : candidates) {
      if (!models.contains(c)) {
        throw new SettingsException(path + ".candidates: '" + c + "' names no model under switchboard.models"
            + " (configured: " + models + ")");
      }
    }
    AutoRouteSettings.Objective objective;
    try {
      objective = new AutoRouteSettings.Objective(r.getDouble("objective.cost"), r.getDouble("objective.latency"),
          r.getDouble("objective.quality"));
    } catch (IllegalArgumentException e) {
      throw new SettingsException(path + ".objective: " + e.getMessage(), e);
    }
    return new AutoRouteSettings(name, candidates, objective, limits(path + ".limits", r.getConfig("limits")),
        fallbacks(path + ".fallbacks", r, models));
  }

  private static AutoRouteSettings.Limits limits(String path, Config l) {
    BigDecimal price = null;
    if (l.hasPath("max-price-per-request")) {
      try {
        price = new BigDecimal(l.getString("max-price-per-request"));
        if (price.signum() < 0) throw new NumberFormatException("must not be negative");
      } catch (NumberFormatException e) {
        throw new SettingsException(path + ".max-price-per-request must be a non-negative number of US dollars: "
            + e.getMessage(), e);
      }
    }
    Duration latency = l.hasPath("max-latency") ? l.getDuration("max-latency") : null;
    if (latency != null && (latency.isNegative() || latency.isZero())) {
      throw new SettingsException(path + ".max-latency must be above 0");
    }
    Set<Capability> requires = EnumSet.noneOf(Capability.class);
    for (String c : l.getStringList("requires")) {
      try {
        requires.add(Capability.fromConfig(c));
      } catch (IllegalArgumentException e) {
        throw new SettingsException(path + ".requires: " + e.getMessage(), e);
      }
    }
    return new AutoRouteSettings.Limits(price, latency, requires, l.getBoolean("context-must-fit"));
  }

  private static List<AutoRouteSettings.Fallback> fallbacks(String path, Config r, Set<String> models) {
    List<AutoRouteSettings.Fallback> fallbacks = new ArrayList<>();
    List<? extends Config> entries = r.getConfigList("fallbacks");
    for (int i = 0; i < entries.size(); i++) {
      Config f = entries.get(i);
      String at = path + "[" + i + "]";
      if (!f.hasPath("when")) throw new SettingsException(at + ".when is missing: context-exceeded, rate-limited or unavailable");
      AutoRouteSettings.Condition when = condition(at + ".when", f.getString("when"));
      String model = f.hasPath("model") ? f.getString("model") : null;
      if (model != null && !models.contains(model)) {
        throw new SettingsException(at + ".model = \"" + model + "\" names no model under switchboard.models");
      }
      fallbacks.add(new AutoRouteSettings.Fallback(when, model));
    }
    return fallbacks;
  }

  private static AutoRouteSettings.Condition condition(String path, String value) {
    for (AutoRouteSettings.Condition c : AutoRouteSettings.Condition.values()) {
      if (c.name().toLowerCase(Locale.ROOT).replace('_', '-').equals(value.trim().toLowerCase(Locale.ROOT))) return c;
    }
    throw new SettingsException(path + " = \"" + value + "\": known conditions are context-exceeded, rate-limited,"
        + " unavailable");
  }

  static AnalyzerSettings analyzer(Config a) {
    String path = "switchboard.analyzer";
    Map<TaskKind, AnalyzerSettings.Words> words = new EnumMap<>(TaskKind.class);
    for (String kind : a.getConfig("words").root().keySet()) {
      try {
        Config w = a.getConfig("words").getConfig(SwitchboardSettings.quoted(kind));
        words.put(TaskKind.fromConfig(kind), new AnalyzerSettings.Words(w.getDouble("weight"), w.getStringList("list")));
      } catch (IllegalArgumentException | ConfigException e) {
        throw new SettingsException(path + ".words." + kind + ": " + e.getMessage(), e);
      }
    }
    Map<String, List<String>> languages = new LinkedHashMap<>();
    for (String language : a.getConfig("languages").root().keySet()) {
      languages.put(language, a.getConfig("languages").getStringList(SwitchboardSettings.quoted(language)));
    }
    try {
      return new AnalyzerSettings(a.getInt("scan-chars"), a.getDouble("min-score"), a.getDouble("signals.code-fence"),
          a.getDouble("signals.math"), a.getDouble("signals.response-format"), a.getDouble("signals.tools"), words,
          a.getInt("expected-output-tokens"), languages);
    } catch (IllegalArgumentException e) {
      throw new SettingsException(path + "." + e.getMessage(), e);
    }
  }
}
