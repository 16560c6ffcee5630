package io.switchboard.cluster;

import static io.switchboard.cluster.ClusterSettingsFixture.CLUSTER;
import static io.switchboard.cluster.ClusterSettingsFixture.pekko;
import static io.switchboard.cluster.ClusterSettingsFixture.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SettingsException;
import io.switchboard.config.SwitchboardSettings;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code switchboard.cluster.seed-node-timeout}: how long a first seed waits for the other seeds before
 * it forms a cluster alone. Pekko's own 5 s let a first seed restarted during a rolling restart on a
 * busy machine form a second cluster beside the running one.
 */
@Tag("unit")
class SeedNodeTimeoutTest {
  @Test
  void byDefault_aFirstSeedWaitsTwentySecondsForTheOthers_notPekkosFive() {
    assertEquals(Duration.ofSeconds(5), ConfigFactory.load().getDuration("pekko.cluster.seed-node-timeout"),
        "Pekko's own default, which this setting replaces");
    SwitchboardSettings settings = settings(CLUSTER);
    assertEquals(Duration.ofSeconds(20), settings.cluster().seedNodeTimeout());
    assertEquals(Duration.ofSeconds(20), pekko(settings).getDuration("pekko.cluster.seed-node-timeout"));
  }

  @Test
  void theOperatorsValueReachesPekko() {
    SwitchboardSettings settings = settings(CLUSTER + "switchboard.cluster.seed-node-timeout = 45s\n");
    assertEquals(Duration.ofSeconds(45), pekko(settings).getDuration("pekko.cluster.seed-node-timeout"));
  }

  @Test
  void aTimeoutThatIsNotPositive_stopsTheStart_namingTheKey() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> settings(CLUSTER + "switchboard.cluster.seed-node-timeout = 0s\n"));
    assertTrue(e.getMessage().contains("switchboard.cluster.seed-node-timeout"), e.getMessage());
  }
}
