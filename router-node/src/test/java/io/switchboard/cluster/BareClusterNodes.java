package io.switchboard.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SwitchboardSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Cluster nodes that are only actor systems with Switchboard's cluster settings (no gateway on them),
 * for tests of membership: terminating one is a crash (no leaving, its port closes, the others find it
 * unreachable). The split-brain resolver waits 60 s, far beyond the tests' waits, so whatever is downed
 * in a test was not downed by the resolver.
 */
final class BareClusterNodes implements AutoCloseable {
  private final List<ActorTestKit> kits = new ArrayList<>();
  private final String clusterHocon;
  private int[] ports;

  /** {@code clusterHocon}: more {@code switchboard.cluster} keys for every node. */
  BareClusterNodes(String clusterHocon) {
    this.clusterHocon = clusterHocon;
  }

  /** The settings {@code node} (one of {@link #startThree}'s) runs with. */
  SwitchboardSettings settingsOf(ActorTestKit node) {
    return settings(Cluster.get(node.system()).selfMember().address().getPort().orElseThrow(), ports);
  }

  private SwitchboardSettings settings(int port, int[] ports) {
    String hocon = """
        switchboard.persistence.store = postgres
        switchboard.persistence.postgres { url = "jdbc:postgresql://127.0.0.1:5432/switchboard", password-env = "" }
        switchboard.cluster {
          enabled = on, port = %d, management-port = -1, seed-node-timeout = 2s
          seed-nodes = "127.0.0.1:%d,127.0.0.1:%d,127.0.0.1:%d"
          split-brain-stable-after = 60s
          %s
        }
        """.formatted(port, ports[0], ports[1], ports[2], clusterHocon);
    return SwitchboardSettings.from(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve(),
        name -> null);
  }

  /** Three nodes, each given to {@code onStart} as it starts, once all three see each other Up. */
  List<ActorTestKit> startThree(Consumer<ActorTestKit> onStart) {
    ports = ClusterNode.freePorts(3);
    List<ActorTestKit> nodes = new ArrayList<>();
    for (int port : ports) {
      ActorTestKit node = start(port, ports);
      onStart.accept(node);
      nodes.add(node);
    }
    nodes.get(2).createTestProbe().awaitAssert(Duration.ofSeconds(30), () -> {
      for (ActorTestKit n : nodes) assertEquals(3, up(n), "all three Up on every node");
      return null;
    });
    return List.copyOf(nodes);
  }

  private ActorTestKit start(int port, int[] ports) {
    SwitchboardSettings settings = settings(port, ports);
    Config config = ConfigFactory.parseString("""
            pekko.coordinated-shutdown.run-by-actor-system-terminate = off
            pekko.cluster.failure-detector.acceptable-heartbeat-pause = 2s
            """)
        .withFallback(ClusterConfig.of(settings.cluster(), settings.http()))
        .withFallback(ConfigFactory.load());
    ActorTestKit kit = ActorTestKit.create(ClusterConfig.SYSTEM_NAME, config);
    kits.add(kit);
    return kit;
  }

  /** How many members {@code kit}'s node sees Up. */
  static int up(ActorTestKit kit) {
    int up = 0;
    for (Member m : Cluster.get(kit.system()).state().getMembers()) if (m.status() == MemberStatus.up()) up++;
    return up;
  }

  @Override
  public void close() {
    kits.forEach(ActorTestKit::shutdownTestKit);
  }
}
