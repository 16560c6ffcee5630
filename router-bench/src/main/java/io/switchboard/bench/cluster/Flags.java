package io.switchboard.bench.cluster;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code --name value} command-line options of the cluster tools, each checked against the names a
 * command knows so a typo is an error rather than a silently ignored setting. Durations are written
 * as in HOCON ({@code 90s}, {@code 2m}, {@code 500ms}).
 */
final class Flags {
  private final Map<String, String> values;

  private Flags(Map<String, String> values) {
    this.values = values;
  }

  /** Parses {@code args} from {@code from}, accepting only the names in {@code known} (without dashes). */
  static Flags parse(String[] args, int from, Set<String> known) {
    Map<String, String> values = new HashMap<>();
    for (int i = from; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) throw new IllegalArgumentException("expected an option, got '" + arg + "'");
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else {
        if (i + 1 >= args.length) throw new IllegalArgumentException("--" + name + " needs a value");
        value = args[++i];
      }
      if (!known.contains(name)) {
        throw new IllegalArgumentException("unknown option --" + name + "; known: --" + String.join(", --", new HashSet<>(known)));
      }
      values.put(name, value);
    }
    return new Flags(values);
  }

  Optional<String> get(String name) {
    return Optional.ofNullable(values.get(name));
  }

  String get(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  int integer(String name, int fallback) {
    String value = values.get(name);
    if (value == null) return fallback;
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " = '" + value + "' is not a whole number");
    }
  }

  double decimal(String name, double fallback) {
    String value = values.get(name);
    if (value == null) return fallback;
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " = '" + value + "' is not a number");
    }
  }

  Duration duration(String name, Duration fallback) {
    String value = values.get(name);
    if (value == null) return fallback;
    try {
      return ConfigFactory.parseMap(Map.of("d", value)).getDuration("d");
    } catch (ConfigException e) {
      throw new IllegalArgumentException("--" + name + " = '" + value + "' is not a duration such as 90s or 2m");
    }
  }
}
