package io.switchboard.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SwitchboardSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A node that reaches fewer than half of its cluster is not ready, although it is still an Up member:
 * a node frozen (SIGSTOP) and woken finds the others unreachable and, for the second or so before the
 * split-brain resolver has it down itself, answered {@code /ready} 200 and took requests it could only
 * refuse. One unreachable node of three leaves the other two ready.
 */
@Tag("integration")
class MinorityReadinessTest {
  private final List<ActorTestKit> kits = new ArrayList<>();

  @AfterEach
  void stop() {
    kits.forEach(ActorTestKit::shutdownTestKit);
  }

  private static SwitchboardSettings settings(int port, int[] ports) {
    String hocon = """
        switchboard.persistence.store = postgres
        switchboard.persistence.postgres { url = "jdbc:postgresql://127.0.0.1:5432/switchboard", password-env = "" }
        switchboard.cluster {
          enabled = on, port = %d, management-port = -1, seed-node-timeout = 2s
          seed-nodes = "127.0.0.1:%d,127.0.0.1:%d,127.0.0.1:%d"
          # The resolver waits long enough for the test to see the node before it is downed, and a node is
          # not downed sooner for refusing connections (CrashedNodeDowningTest covers that).
          split-brain-stable-after = 60s
          down-when-refused = off
        }
        """.formatted(port, ports[0], ports[1], ports[2]);
    Config loaded = ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve();
    return SwitchboardSettings.from(loaded, name -> null);
  }

  private ActorTestKit node(int port, int[] ports) {
    SwitchboardSettings settings = settings(port, ports);
    Config config = ConfigFactory.parseString("""
            # Terminating the system is then a crash: no leaving, the others find it unreachable.
            pekko.coordinated-shutdown.run-by-actor-system-terminate = off
            pekko.cluster.failure-detector.acceptable-heartbeat-pause = 2s
            """)
        .withFallback(ClusterConfig.of(settings.cluster(), settings.http()))
        .withFallback(ConfigFactory.load());
    ActorTestKit kit = ActorTestKit.create(ClusterConfig.SYSTEM_NAME, config);
    kits.add(kit);
    return kit;
  }

  private static int unreachable(ActorTestKit kit) {
    return Cluster.get(kit.system()).state().getUnreachable().size();
  }

  @Test
  void aNodeThatReachesFewerThanHalfItsCluster_isNotReady_whileStillAnUpMember() {
    int[] ports = ClusterNode.freePorts(3);
    ActorTestKit first = node(ports[0], ports);
    ActorTestKit second = node(ports[1], ports);
    ActorTestKit last = node(ports[2], ports);
    ClusterMembership membership = ClusterMembership.start(last.system(), settings(ports[2], ports).cluster());
    last.createTestProbe().awaitAssert(Duration.ofSeconds(30), () -> {
      int up = 0;
      for (var m : Cluster.get(last.system()).state().getMembers()) if (m.status() == MemberStatus.up()) up++;
      assertEquals(3, up, "all three Up");
      return null;
    });
    assertTrue(membership.isUp());

    first.system().terminate();
    last.createTestProbe().awaitAssert(Duration.ofSeconds(20), () -> {
      assertEquals(1, unreachable(last));
      return null;
    });
    assertTrue(membership.isUp(), "one of three unreachable: this node is on the majority side and serves");

    second.system().terminate();
    last.createTestProbe().awaitAssert(Duration.ofSeconds(20), () -> {
      assertEquals(2, unreachable(last));
      return null;
    });
    assertEquals(MemberStatus.up(), Cluster.get(last.system()).selfMember().status(), "not downed yet");
    assertFalse(membership.isUp(), "two of three unreachable: the side the resolver downs is not ready");
  }

  @Test
  void fewerThanHalfReachable_isAMinority_exactlyHalfIsNot() {
    assertFalse(ClusterMembership.inMinority(1, 0), "a cluster of one");
    assertFalse(ClusterMembership.inMinority(3, 1));
    assertTrue(ClusterMembership.inMinority(3, 2));
    assertFalse(ClusterMembership.inMinority(2, 1), "two nodes that lose each other both keep serving");
    assertFalse(ClusterMembership.inMinority(4, 2));
    assertTrue(ClusterMembership.inMinority(5, 3));
  }
}
