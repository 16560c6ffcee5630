package io.switchboard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Reading a model's balancing strategy, its deployments' weights and {@code switchboard.balancing}. */
@Tag("unit")
class BalancingSettingsTest {
  private static final String TWO_PROVIDERS = """
      switchboard.providers.a.kind = simulated
      switchboard.providers.b.kind = simulated
      """;

  private static SwitchboardSettings settings(String hocon) {
    return SwitchboardSettings.from(
        ConfigFactory.parseString(TWO_PROVIDERS + hocon).withFallback(ConfigFactory.load()).resolve(), k -> null);
  }

  /** Reading the HOCON fails; returns the message, after checking it names {@code key}. */
  private static String failure(String hocon, String key) {
    SettingsException e = assertThrows(SettingsException.class, () -> settings(hocon));
    assertTrue(e.getMessage().contains(key), "message should name " + key + ": " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void defaults_areOrderedWithWeightOne_andTheDocumentedBalancingParameters() {
    SwitchboardSettings s = settings("""
        switchboard.models.m.deployments = [ { provider = a }, { provider = b } ]
        """);

    ModelSettings m = s.models().get("m");
    assertEquals(ModelSettings.Strategy.ORDERED, m.strategy());
    assertEquals(List.of(1, 1), m.deployments().stream().map(ModelSettings.DeploymentSettings::weight).toList());
    assertEquals(ModelSettings.Strategy.ORDERED, s.models().get("switchboard-sim").strategy());
    assertEquals(BalancingSettings.DEFAULTS, s.balancing());
  }

  @Test
  void everyStrategy_isReadByItsConfigName_andWeightsPerDeployment() {
    SwitchboardSettings s = settings("""
        switchboard.models.w { strategy = weighted, deployments = [ { provider = a, weight = 3 }, { provider = b, weight = 0 } ] }
        switchboard.models.l { strategy = least-busy, deployments = [ { provider = a }, { provider = b } ] }
        switchboard.models.t { strategy = LATENCY, deployments = [ { provider = a }, { provider = b } ] }
        switchboard.models.o { strategy = ordered, provider = a }
        switchboard.balancing { load-refresh-interval = 100ms, latency { smoothing = 0.5, probe-after = 3s, failure-penalty = 1m } }
        """);

    assertEquals(ModelSettings.Strategy.WEIGHTED, s.models().get("w").strategy());
    assertEquals(List.of(3, 0), s.models().get("w").deployments().stream().map(ModelSettings.DeploymentSettings::weight).toList());
    assertEquals(ModelSettings.Strategy.LEAST_BUSY, s.models().get("l").strategy());
    assertEquals(ModelSettings.Strategy.LATENCY, s.models().get("t").strategy());
    assertEquals(ModelSettings.Strategy.ORDERED, s.models().get("o").strategy());
    assertEquals(new BalancingSettings(Duration.ofMillis(100), 0.5, Duration.ofSeconds(3), Duration.ofMinutes(1)),
        s.balancing());
  }

  @Test
  void unknownStrategy_isRefusedNamingTheKeyAndTheKnownOnes() {
    String message = failure("""
        switchboard.models.m { strategy = fastest, deployments = [ { provider = a }, { provider = b } ] }
        """, "switchboard.models.m.strategy");

    assertTrue(message.contains("fastest") && message.contains("least-busy"), message);
  }

  @Test
  void negativeWeight_isRefusedNamingTheDeployment() {
    failure("""
        switchboard.models.m { strategy = weighted, deployments = [ { provider = a }, { provider = b, weight = -1 } ] }
        """, "switchboard.models.m.deployments[1].weight");
  }

  @Test
  void weightThatIsNotAWholeNumber_isRefusedNamingTheKey() {
    failure("""
        switchboard.models.m { strategy = weighted, deployments = [ { provider = a, weight = lots }, { provider = b } ] }
        """, "weight");
  }

  @Test
  void weightedModel_withEveryWeightZero_isRefused() {
    failure("""
        switchboard.models.m { strategy = weighted, deployments = [ { provider = a, weight = 0 }, { provider = b, weight = 0 } ] }
        """, "switchboard.models.m");
  }

  @Test
  void balancingParametersOutOfRange_areRefusedNamingTheKey() {
    failure("switchboard.balancing.latency.smoothing = 0", "switchboard.balancing.latency.smoothing");
    failure("switchboard.balancing.latency.smoothing = 1.5", "switchboard.balancing.latency.smoothing");
    failure("switchboard.balancing.load-refresh-interval = 1ms", "switchboard.balancing.load-refresh-interval");
    failure("switchboard.balancing.latency.probe-after = 0s", "switchboard.balancing.latency.probe-after");
    failure("switchboard.balancing.latency.failure-penalty = -1s", "switchboard.balancing.latency.failure-penalty");
  }
}
