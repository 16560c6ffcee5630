package io.switchboard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Reading {@code switchboard.routes} over {@code route-defaults}, and the mistakes it refuses naming the key. */
@Tag("unit")
class AutoRouteConfigTest {
  private static final String MODELS = """
      switchboard.models { a { provider = simulated }, b { provider = simulated }, c { provider = simulated } }
      """;

  private static SwitchboardSettings settings(String hocon) {
    return SwitchboardSettings.from(ConfigFactory.parseString(MODELS + hocon).withFallback(ConfigFactory.load()).resolve(),
        k -> null);
  }

  private static void refused(String hocon, String key) {
    SettingsException e = assertThrows(SettingsException.class, () -> settings(hocon));
    assertTrue(e.getMessage().contains(key), "message should name " + key + ": " + e.getMessage());
  }

  @Test
  void aRoute_isReadWithItsObjectiveLimitsAndFallbacks_andDefaultsForWhatItLeavesOut() {
    SwitchboardSettings s = settings("""
        switchboard.routes {
          auto {
            candidates = [a, b]
            objective { cost = 2, quality = 0 }
            limits { max-price-per-request = 0.05, max-latency = 3s, requires = [tools], context-must-fit = false }
            fallbacks = [ { when = context-exceeded, model = c }, { when = rate-limited } ]
          }
          plain { candidates = [c] }
        }
        """);

    AutoRouteSettings auto = s.routes().get("auto");
    assertEquals(List.of("a", "b"), auto.candidates());
    assertEquals(new AutoRouteSettings.Objective(2, 1, 0), auto.objective());
    assertEquals(new AutoRouteSettings.Limits(new BigDecimal("0.05"), Duration.ofSeconds(3), Set.of(Capability.TOOLS),
        false), auto.limits());
    assertEquals(List.of(new AutoRouteSettings.Fallback(AutoRouteSettings.Condition.CONTEXT_EXCEEDED, "c"),
        new AutoRouteSettings.Fallback(AutoRouteSettings.Condition.RATE_LIMITED, null)), auto.fallbacks());
    AutoRouteSettings plain = s.routes().get("plain");
    assertEquals(new AutoRouteSettings.Objective(1, 1, 1), plain.objective());
    assertEquals(AutoRouteSettings.Limits.NONE, plain.limits());
    assertEquals(List.of(), plain.fallbacks());
    assertEquals(Duration.ofSeconds(30), s.autoRouting().probeAfter());
    assertTrue(settings("").routes().isEmpty(), "no route unless configured");
  }

  @Test
  void mistakes_areRefusedNamingTheKey() {
    refused("switchboard.routes.a { candidates = [b] }", "switchboard.routes.a: a model is named 'a' too");
    refused("switchboard.routes.auto { candidates = [] }", "switchboard.routes.auto.candidates");
    refused("switchboard.routes.auto { candidates = [a, nope] }", "switchboard.routes.auto.candidates: 'nope'");
    refused("switchboard.routes.auto { candidates = [a], objective { cost = 0, latency = 0, quality = 0 } }",
        "switchboard.routes.auto.objective");
    refused("switchboard.routes.auto { candidates = [a], objective { cost = -1 } }", "switchboard.routes.auto.objective");
    refused("switchboard.routes.auto { candidates = [a], limits.max-price-per-request = cheap }",
        "switchboard.routes.auto.limits.max-price-per-request");
    refused("switchboard.routes.auto { candidates = [a], limits.requires = [telepathy] }",
        "switchboard.routes.auto.limits.requires");
    refused("switchboard.routes.auto { candidates = [a], fallbacks = [ { when = sometimes } ] }",
        "switchboard.routes.auto.fallbacks[0].when");
    refused("switchboard.routes.auto { candidates = [a], fallbacks = [ { when = unavailable, model = z } ] }",
        "switchboard.routes.auto.fallbacks[0].model");
    refused("switchboard.analyzer.words.poetry { weight = 1, list = [rhyme] }", "switchboard.analyzer.words.poetry");
  }
}
