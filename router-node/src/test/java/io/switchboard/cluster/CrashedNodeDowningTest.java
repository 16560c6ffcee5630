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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
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
  void aReachablePeerWhosePortRefused_countsAsCrashed_soALoneSurvivorDownsItself() {
    // B crashed and is unreachable; C crashed too, but the failure detector has not noticed yet.
    assertEquals(List.of(B), CrashedNodeDowning.decide(Set.of(A, B, C), Set.of(B), Set.of(B)).down(),
        "without the confirmation, A would take itself for a majority");
    Decision d = CrashedNodeDowning.decide(Set.of(A, B, C), Set.of(B), Set.of(B), Set.of(C));
    assertTrue(d.downSelf(), "one of three reachable: keep-majority downs this node");
    assertEquals(List.of(), d.down());
  }

  @Test
  @Tag("unit")
  void aMajorityThatStillHolds_downsTheReachablePeerThatRefused_withTheUnreachable() {
    Address e = node(5);
    Decision d = CrashedNodeDowning.decide(Set.of(A, B, C, D, e), Set.of(D), Set.of(D), Set.of(e));
    assertFalse(d.downSelf());
    assertEquals(Set.of(D, e), Set.copyOf(d.down()), "three of five reachable");
  }

  @Test
  @Tag("unit")
  void aReachablePeerThatRefused_canTurnAMajorityIntoATie_whichWaits() {
    assertEquals(Decision.WAIT, CrashedNodeDowning.decide(Set.of(A, B, C, D), Set.of(D), Set.of(D), Set.of(C)),
        "two of four: the resolver's tie-break decides");
    assertEquals(Decision.WAIT,
        CrashedNodeDowning.decide(Set.of(A, B, C, D, node(5)), Set.of(C, D), Set.of(C), Set.of(node(5))),
        "an unreachable member that has not refused still leaves the decision to the resolver");
  }

  @Test
  @Tag("unit")
  void reachablePeersThatAcceptedOrDidNotAnswer_leaveTheOrdinaryDecision() {
    // Only refusals are passed on: an accepting or silent reachable peer stays reachable.
    Decision d = CrashedNodeDowning.decide(Set.of(A, B, C), Set.of(C), Set.of(C), Set.of());
    assertEquals(CrashedNodeDowning.decide(Set.of(A, B, C), Set.of(C), Set.of(C)), d);
    assertEquals(List.of(C), d.down());
    assertFalse(d.downSelf());
    assertEquals(List.of(C), CrashedNodeDowning.decide(Set.of(A, B, C), Set.of(C), Set.of(C), Set.of(D)).down(),
        "a refusal from an address outside the counted members changes nothing");
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

  /** Within 30 s every survivor sees {@code stopped} removed, and stays Up with the other survivor. */
  private static void assertRemoved_andTheSurvivorsUp(Address stopped, List<ActorTestKit> survivors) {
    for (ActorTestKit survivor : survivors) {
      survivor.createTestProbe().awaitAssert(Duration.ofSeconds(30), () -> {
        assertEquals(MemberStatus.removed(), statusOf(survivor, stopped), "the crashed node is gone");
        return null;
      });
      assertEquals(MemberStatus.up(), Cluster.get(survivor.system()).selfMember().status());
      assertEquals(2, up(survivor));
    }
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
    assertRemoved_andTheSurvivorsUp(stopped, survivors);
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

  @Test
  @Tag("integration")
  void aNodeWhoseSecondPeerCrashedBeforeTheFailureDetectorNoticed_downsItself_notOnlyTheFirst() {
    // Two peers crash together; the failure detector finds one unreachable first. The order is made
    // certain here: the first is stopped and found unreachable while the probe answers nothing, then the
    // second is stopped and the probe answers for real. The first refusal is then judged while the second
    // still counts as reachable, and only the confirmation probe of the reachable shows that it is gone.
    AtomicBoolean answering = new AtomicBoolean(false);
    List<ActorTestKit> nodes = threeNodes((host, port) ->
        answering.get() ? CrashedNodeDowning.probe(host, port) : Probe.NO_ANSWER);
    ActorTestKit last = nodes.get(2);
    Address first = addressOf(nodes.get(0));
    Address second = addressOf(nodes.get(1));
    nodes.get(0).system().terminate();
    last.createTestProbe().awaitAssert(Duration.ofSeconds(30), () -> {
      assertTrue(unreachableOn(last).contains(first), "the first crashed peer is unreachable");
      return null;
    });
    nodes.get(1).system().terminate();
    nodes.get(1).system().getWhenTerminated().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    assertFalse(unreachableOn(last).contains(second),
        "the second crashed peer still counts as reachable when the probe starts answering");

    // Every member the survivor's cluster marks down, recorded as it happens (its membership view is
    // gone once it has downed itself, so the first peer's status cannot be read afterwards).
    Set<Address> downed = ConcurrentHashMap.newKeySet();
    ActorRef<ClusterEvent.MemberDowned> recorder = last.spawn(Behaviors.receiveMessage(event -> {
      downed.add(event.member().address());
      return Behaviors.same();
    }));
    Cluster.get(last.system()).subscriptions().tell(Subscribe.create(recorder, ClusterEvent.MemberDowned.class));

    answering.set(true);
    last.createTestProbe().awaitAssert(Duration.ofSeconds(30), () -> {
      MemberStatus self = Cluster.get(last.system()).selfMember().status();
      assertNotEquals(MemberStatus.up(), self, "a node left alone of three takes itself out");
      return null;
    });
    assertFalse(downed.contains(first), "the first crashed peer was not downed as if this node were a majority");
  }

  @Test
  @Tag("integration")
  void aCrashedNodeIsDownedByTheMajority_whenTheReachablePeerAcceptsTheConfirmation() {
    // Every answer each port gave, to any node's probe.
    Map<Integer, Set<Probe>> answers = new ConcurrentHashMap<>();
    List<ActorTestKit> nodes = threeNodes((host, port) -> {
      Probe result = CrashedNodeDowning.probe(host, port);
      answers.computeIfAbsent(port, p -> ConcurrentHashMap.newKeySet()).add(result);
      return result;
    });
    Address stopped = addressOf(nodes.get(0));
    nodes.get(0).system().terminate();
    List<ActorTestKit> survivors = nodes.subList(1, 3);
    assertRemoved_andTheSurvivorsUp(stopped, survivors);
    Set<Integer> survivorPorts = Set.of(addressOf(survivors.get(0)).getPort().get(),
        addressOf(survivors.get(1)).getPort().get());
    assertTrue(answers.get(stopped.getPort().get()).contains(Probe.REFUSED), "the crashed node refused");
    // The survivor that decided first confirmed with the other; the other may have seen the crashed node
    // downed before its own probe refused, and then had nothing to decide.
    assertTrue(answers.keySet().stream().anyMatch(survivorPorts::contains),
        "the decision was confirmed by probing the reachable survivor: " + answers);
    for (int port : survivorPorts) {
      if (answers.containsKey(port)) assertEquals(Set.of(Probe.ACCEPTED), answers.get(port), "a live survivor accepts");
    }
  }

  private static Set<Address> unreachableOn(ActorTestKit observer) {
    Set<Address> unreachable = new HashSet<>();
    for (Member m : Cluster.get(observer.system()).state().getUnreachable()) unreachable.add(m.address());
    return unreachable;
  }
}
