package io.switchboard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ResponseStoreSettingsTest {
  private static ResponseStoreSettings settings(String hocon) {
    return ResponseStoreSettings.from(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve());
  }

  @Test
  void defaults_areTheDocumentedOnes() {
    assertEquals(new ResponseStoreSettings(Duration.ofDays(30), Duration.ofMinutes(2), Duration.ofSeconds(10),
        Duration.ofHours(1), 50), settings(""));
  }

  @Test
  void impossibleValues_stopStartUpNamingTheKey() {
    for (String[] bad : new String[][] {
        {"switchboard.responses.sweep-interval = 0s", "switchboard.responses.sweep-interval"},
        {"switchboard.responses.sweep-rate = 0", "switchboard.responses.sweep-rate"},
        {"switchboard.responses.sweep-rate = many", "sweep-rate"}}) {
      SettingsException e = assertThrows(SettingsException.class, () -> settings(bad[0]), bad[0]);
      assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
    }
  }
}
