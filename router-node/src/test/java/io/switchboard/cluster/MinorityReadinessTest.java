package io.switchboard.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
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
  // The resolver waits long enough for the test to see the node before it is downed, and a node is not
  // downed sooner for refusing connections (CrashedNodeDowningTest covers that).
  private final BareClusterNodes cluster = new BareClusterNodes("down-when-refused = off");

  @AfterEach
  void stop() {
    cluster.close();
  }

  private static int unreachable(ActorTestKit kit) {
    return Cluster.get(kit.system()).state().getUnreachable().size();
  }

  @Test
  void aNodeThatReachesFewerThanHalfItsCluster_isNotReady_whileStillAnUpMember() {
    List<ActorTestKit> nodes = cluster.startThree(node -> {});
    ActorTestKit first = nodes.get(0);
    ActorTestKit second = nodes.get(1);
    ActorTestKit last = nodes.get(2);
    ClusterMembership membership = ClusterMembership.start(last.system(), cluster.settingsOf(last).cluster());
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
