package io.switchboard.cluster;

import static io.switchboard.cluster.ClusterSettingsFixture.CLUSTER;
import static io.switchboard.cluster.ClusterSettingsFixture.pekko;
import static io.switchboard.cluster.ClusterSettingsFixture.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.switchboard.config.SettingsException;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The settings that decide how soon a crashed node's entities start on the survivors: failure
 * detection, the split-brain resolver's stable-after, the leader's pace and the down-removal margin.
 * With Pekko's defaults a provider whose entity was on a killed node served again 13 s after the kill
 * (stable-after 5 s); with these, 10 to 12 s (operations.md, "Measured: failover in about 10 s").
 */
@Tag("unit")
class FailoverTimingTest {
  @Test
  void byDefault_aCrashedNodeIsDownedAndItsEntitiesMovedWithinAboutTenSeconds() {
    Config pekko = pekko(settings(CLUSTER));
    assertEquals(Duration.ofSeconds(4), pekko.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
    // Without an explicit margin, the split-brain resolver would wait its stable-after a second time
    // before a removed node's shards and singletons start elsewhere.
    assertEquals(Duration.ofMillis(200), pekko.getDuration("pekko.cluster.down-removal-margin"));
    assertEquals(Duration.ofSeconds(3), pekko.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause"),
        "Pekko's own: shorter made the nodes of a starved cluster suspect each other under load");
    assertEquals(Duration.ofMillis(500), pekko.getDuration("pekko.cluster.failure-detector.heartbeat-interval"));
    assertEquals(Duration.ofMillis(500), pekko.getDuration("pekko.cluster.gossip-interval"));
    assertEquals(Duration.ofMillis(250), pekko.getDuration("pekko.cluster.leader-actions-interval"));
    assertTrue(settings(CLUSTER).cluster().downWhenRefused(),
        "a crashed node, whose port refuses connections, is downed without waiting for the stable-after");
    assertFalse(settings(CLUSTER + "switchboard.cluster.down-when-refused = off\n").cluster().downWhenRefused());
  }

  @Test
  void theOperatorsValuesReachPekko() {
    Config pekko = pekko(settings(CLUSTER + """
        switchboard.cluster { split-brain-stable-after = 10s, down-removal-margin = 3s }
        """));
    assertEquals(Duration.ofSeconds(10), pekko.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
    assertEquals(Duration.ofSeconds(3), pekko.getDuration("pekko.cluster.down-removal-margin"));
  }

  @Test
  void aMarginThatIsNotPositive_stopsTheStart_namingTheKey() {
    // Pekko reads a zero margin as "off", which under the split-brain resolver means stable-after again.
    SettingsException e = assertThrows(SettingsException.class,
        () -> settings(CLUSTER + "switchboard.cluster.down-removal-margin = 0s\n"));
    assertTrue(e.getMessage().contains("switchboard.cluster.down-removal-margin"), e.getMessage());
  }
}
