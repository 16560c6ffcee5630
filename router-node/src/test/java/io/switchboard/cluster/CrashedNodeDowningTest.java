package io.switchboard.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.cluster.CrashedNodeDowning.Decision;
import io.switchboard.cluster.CrashedNodeDowning.Probe;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
 * The cluster tests here run the resolver with a stable-after of 60 s ({@link BareClusterNodes}), so a
 * node downed within the 30 s they wait was downed by the refusal, not by the resolver.
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

  private final BareClusterNodes cluster = new BareClusterNodes("");
  private final ExecutorService probes = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    cluster.close();
    probes.shutdownNow();
  }

  private List<ActorTestKit> threeNodes(CrashedNodeDowning.Prober prober) {
    return cluster.startThree(node ->
        node.spawn(CrashedNodeDowning.behavior(prober, probes), "crashed-node-downing"));
  }

  private static int up(ActorTestKit kit) {
    return BareClusterNodes.up(kit);
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
    // The two crashes are found by the failure detector a moment apart; the probe acts on what is
    // unreachable when it acts. Until both are, it hears nothing, so the decision is the one with both gone.
    AtomicReference<ActorTestKit> survivor = new AtomicReference<>();
    List<ActorTestKit> nodes = threeNodes((host, port) -> {
      ActorTestKit self = survivor.get();
      boolean bothUnreachable = self != null
          && Cluster.get(self.system()).state().getUnreachable().size() == 2;
      return bothUnreachable ? CrashedNodeDowning.probe(host, port) : Probe.NO_ANSWER;
    });
    ActorTestKit last = nodes.get(2);
    survivor.set(last);
    nodes.get(0).system().terminate();
    nodes.get(1).system().terminate();
    last.createTestProbe().awaitAssert(Duration.ofSeconds(30), () -> {
      MemberStatus self = Cluster.get(last.system()).selfMember().status();
      assertNotEquals(MemberStatus.up(), self, "a node left alone of three takes itself out");
      return null;
    });
  }
}
