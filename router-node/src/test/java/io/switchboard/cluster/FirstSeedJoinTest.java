package io.switchboard.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SwitchboardSettings;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A node whose own address is the first seed, started while the other seed does not answer (a
 * running cluster's node that is slow, or not reachable yet): with the gateway's settings it waits
 * {@code seed-node-timeout} before it forms a cluster of its own, not Pekko's 5 s. A first seed
 * restarted during a rolling restart on a busy machine formed a second cluster after 5 s.
 */
@Tag("integration")
class FirstSeedJoinTest {

  private static Config node(int port, int silentSeed, String seedNodeTimeout) {
    String hocon = """
        switchboard.persistence.store = postgres
        switchboard.persistence.postgres { url = "jdbc:postgresql://127.0.0.1:5432/switchboard", password-env = "" }
        switchboard.cluster {
          enabled = on, port = %d, management-port = -1
          seed-nodes = "127.0.0.1:%d,127.0.0.1:%d"
          %s
        }
        """.formatted(port, port, silentSeed, seedNodeTimeout.isEmpty() ? "" : "seed-node-timeout = " + seedNodeTimeout);
    Config loaded = ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve();
    SwitchboardSettings settings = SwitchboardSettings.from(loaded, name -> null);
    return ClusterConfig.of(settings.cluster(), settings.http()).withFallback(ConfigFactory.load());
  }

  private static TestProbe<SelfUp> watchSelfUp(ActorTestKit kit) {
    TestProbe<SelfUp> up = kit.createTestProbe();
    Cluster.get(kit.system()).subscriptions().tell(Subscribe.create(up.ref(), SelfUp.class));
    return up;
  }

  @Test
  void byDefault_aFirstSeedDoesNotFormItsOwnClusterAfterPekkosFiveSeconds() {
    int[] ports = ClusterNode.freePorts(2);
    ActorTestKit kit = ActorTestKit.create(ClusterConfig.SYSTEM_NAME, node(ports[0], ports[1], ""));
    try {
      TestProbe<SelfUp> up = watchSelfUp(kit);
      // Pekko's own seed-node-timeout is 5 s: it would have formed a cluster alone by now. (That it does
      // form one alone once its own timeout has passed, a cold start, is aShortTimeout_formsTheClusterAloneSoon.)
      up.expectNoMessage(Duration.ofSeconds(8));
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void aShortTimeout_formsTheClusterAloneSoon() {
    int[] ports = ClusterNode.freePorts(2);
    ActorTestKit kit = ActorTestKit.create(ClusterConfig.SYSTEM_NAME, node(ports[0], ports[1], "1s"));
    try {
      watchSelfUp(kit).expectMessageClass(SelfUp.class, Duration.ofSeconds(15));
    } finally {
      kit.shutdownTestKit();
    }
  }
}
