package io.switchboard.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.cluster.CrashedNodeDowning.Decision;
import io.switchboard.cluster.CrashedNodeDowning.Probe;
import io.switchboard.config.SwitchboardSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A crashed node is downed as soon as its cluster port refuses connections, not after the split-brain
 * resolver's stable-after; a node whose port still accepts (a paused process) is left to the resolver.
 * The cluster tests here run the resolver with a stable-after of 60 s, so a node downed within the
 * 30 s they wait was downed by the refusal, not by the resolver.
 */
class CrashedNodeDowningTest {
  private static Address node(int port) {
    return new Address("pekko", "switchboard", "127.0.0.1", port);
  }

  private static final Address A = node(1);
  private static final Address B = node(2);
  private static final Address C = node(3);
  private static final Address D = node(4);

  @Test
  @Tag("unit")
  void aMajorityWhoseUnreachableAllRefused_downsThem() {
    Decision d = CrashedNodeDowning.decide(Set.of(A, B, C), Set.of(C), Set.of(C));
    assertEquals(List.of(C), d.down());
    assertFalse(d.downSelf());
  }

  @Test
  @Tag("unit")
  void anUnreachableMemberThatHasNotRefused_leavesTheDecisionToTheResolver() {
    assertEquals(Decision.WAIT, CrashedNodeDowning.decide(Set.of(A, B, C), Set.of(C), Set.of()),
        "a paused or cut-off node");
    assertEquals(Decision.WAIT, CrashedNodeDowning.decide(Set.of(A, B, C, D, node(5)), Set.of(C, D), Set.of(C)),
        "one crashed, one paused: the resolver sees both");
    assertEquals(Decision.WAIT, CrashedNodeDowning.decide(Set.of(A, B, C), Set.of(), Set.of()));
  }

  @Test
  @Tag("unit")
  void fewerThanHalfReachable_downsItself_exactlyHalfWaits() {
    Decision minority = CrashedNodeDowning.decide(Set.of(A, B, C), Set.of(B, C), Set.of(B, C));
    assertTrue(minority.downSelf());
    assertEquals(List.of(), minority.down());
    assertEquals(Decision.WAIT, CrashedNodeDowning.decide(Set.of(A, B), Set.of(B), Set.of(B)),
        "the resolver's tie-break decides between halves");
    assertEquals(Decision.WAIT, CrashedNodeDowning.decide(Set.of(A, B, C, D), Set.of(C, D), Set.of(C, D)));
  }

  @Test
  @Tag("unit")
  void aClosedPortRefuses_aListeningOneAccepts_evenWhenNothingCallsAccept() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    assertEquals(Probe.REFUSED, CrashedNodeDowning.probe("127.0.0.1", closed));
    // A paused process never calls accept(); its kernel completes the connection all the same.
    try (ServerSocket paused = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      assertEquals(Probe.ACCEPTED, CrashedNodeDowning.probe("127.0.0.1", paused.getLocalPort()));
    }
  }

  // --- three real cluster nodes ---

  private final List<ActorTestKit> kits = new ArrayList<>();
  private final ExecutorService probes = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    kits.forEach(ActorTestKit::shutdownTestKit);
    probes.shutdownNow();
  }

  private ActorTestKit start(int port, int[] ports, CrashedNodeDowning.Prober prober) {
    String hocon = """
        switchboard.persistence.store = postgres
        switchboard.persistence.postgres { url = "jdbc:postgresql://127.0.0.1:5432/switchboard", password-env = "" }
        switchboard.cluster {
          enabled = on, port = %d, management-port = -1, seed-node-timeout = 2s
          seed-nodes = "127.0.0.1:%d,127.0.0.1:%d,127.0.0.1:%d"
          # Far beyond the test's waits: whatever is downed here, the resolver did not down.
          split-brain-stable-after = 60s
        }
        """.formatted(port, ports[0], ports[1], ports[2]);
    SwitchboardSettings settings = SwitchboardSettings.from(
        ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve(), name -> null);
    Config config = ConfigFactory.parseString("""
            # Terminating the system is then a crash: no leaving, its port closes, the others find it unreachable.
            pekko.coordinated-shutdown.run-by-actor-system-terminate = off
            pekko.cluster.failure-detector.acceptable-heartbeat-pause = 2s
            """)
        .withFallback(ClusterConfig.of(settings.cluster(), settings.http()))
        .withFallback(ConfigFactory.load());
    ActorTestKit kit = ActorTestKit.create(ClusterConfig.SYSTEM_NAME, config);
    kits.add(kit);
    kit.spawn(CrashedNodeDowning.behavior(prober, probes), "crashed-node-downing");
    return kit;
  }

  private List<ActorTestKit> threeNodes(CrashedNodeDowning.Prober prober) {
    int[] ports = ClusterNode.freePorts(3);
    List<ActorTestKit> nodes = List.of(start(ports[0], ports, prober), start(ports[1], ports, prober),
        start(ports[2], ports, prober));
    nodes.get(2).createTestProbe().awaitAssert(Duration.ofSeconds(30), () -> {
      for (ActorTestKit n : nodes) assertEquals(3, up(n), "all three Up on every node");
      return null;
    });
    return nodes;
  }

  private static int up(ActorTestKit kit) {
    int up = 0;
    for (Member m : Cluster.get(kit.system()).state().getMembers()) if (m.status() == MemberStatus.up()) up++;
    return up;
  }

  private static MemberStatus statusOf(ActorTestKit observer, Address address) {
    for (Member m : Cluster.get(observer.system()).state().getMembers()) {
      if (m.address().equals(address)) return m.status();
    }
    return MemberStatus.removed();
  }

  private static Address addressOf(ActorTestKit kit) {
    return Cluster.get(kit.system()).selfMember().address();
  }

  @Test
  @Tag("integration")
  void anUnreachableNodeWhosePortAccepts_isLeftToTheResolver_butDownedAtOnceWhenItsPortRefuses() {
    // First the stopped node's port is made to look open, as a process frozen by SIGSTOP looks from
    // outside: unreachable, yet its kernel accepts connections. Then the real probe sees it refuse.
    AtomicBoolean frozen = new AtomicBoolean(true);
    Set<String> probed = ConcurrentHashMap.newKeySet();
    AtomicInteger acceptedProbes = new AtomicInteger();
    List<ActorTestKit> nodes = threeNodes((host, port) -> {
      if (!frozen.get()) return CrashedNodeDowning.probe(host, port);
      probed.add(host + ":" + port);
      acceptedProbes.incrementAndGet();
      return Probe.ACCEPTED;
    });
    Address stopped = addressOf(nodes.get(0));
    nodes.get(0).system().terminate();
    List<ActorTestKit> survivors = nodes.subList(1, 3);
    survivors.get(0).createTestProbe().awaitAssert(Duration.ofSeconds(30), () -> {
      assertTrue(acceptedProbes.get() >= 6, "both survivors have probed it a few times: " + acceptedProbes.get());
      return null;
    });
    assertEquals(Set.of(stopped.getHost().get() + ":" + stopped.getPort().get()), probed, "only the unreachable node");
    for (ActorTestKit survivor : survivors) {
      assertEquals(MemberStatus.up(), statusOf(survivor, stopped), "not downed: the resolver decides, after its stable-after");
    }

    frozen.set(false);
    for (ActorTestKit survivor : survivors) {
      survivor.createTestProbe().awaitAssert(Duration.ofSeconds(30), () -> {
        assertEquals(MemberStatus.removed(), statusOf(survivor, stopped), "the crashed node is gone");
        return null;
      });
      assertEquals(MemberStatus.up(), Cluster.get(survivor.system()).selfMember().status());
      assertEquals(2, up(survivor));
    }
  }

  @Test
  @Tag("integration")
  void aNodeWhoseTwoPeersCrashed_downsItself_asTheResolverWouldLater() {
    List<ActorTestKit> nodes = threeNodes(CrashedNodeDowning::probe);
    ActorTestKit last = nodes.get(2);
    nodes.get(0).system().terminate();
    nodes.get(1).system().terminate();
    last.createTestProbe().awaitAssert(Duration.ofSeconds(30), () -> {
      MemberStatus self = Cluster.get(last.system()).selfMember().status();
      assertNotEquals(MemberStatus.up(), self, "a node left alone of three takes itself out");
      return null;
    });
  }
}
