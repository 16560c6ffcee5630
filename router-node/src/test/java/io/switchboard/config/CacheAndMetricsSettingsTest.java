package io.switchboard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class CacheAndMetricsSettingsTest {
  private static SwitchboardSettings settings(String hocon) {
    return SwitchboardSettings.from(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve(),
        k -> null);
  }

  @Test
  void defaults_areTheDocumentedOnes() {
    SwitchboardSettings s = settings("");

    assertEquals(new CacheSettings(true, Duration.ofMinutes(10), 64L << 20, 1L << 20), s.cache());
    assertEquals(new MetricsSettings(Duration.ofSeconds(5), Duration.ofMinutes(1), 1024), s.metrics());
  }

  @Test
  void impossibleValues_stopStartUpNamingTheKey() {
    for (String[] bad : new String[][] {
        {"switchboard.cache.ttl = 0s", "switchboard.cache.ttl"},
        {"switchboard.cache.max-bytes = 0", "switchboard.cache.max-bytes"},
        {"switchboard.metrics.latency-samples = 0", "switchboard.metrics.latency-samples"},
        {"switchboard.metrics.stats-window = 10ms", "switchboard.metrics.provider-refresh"}}) {
      SettingsException e = assertThrows(SettingsException.class, () -> settings(bad[0]), bad[0]);
      assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
    }
  }
}
