package io.switchboard.console;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The cluster as this node sees it, for the console: each member's address, status, roles and whether
 * it is reachable, which one is this node and which the leader. On a single node (no cluster) one
 * member stands for the node itself. Where each provider entity lives is in each provider's status
 * ({@code node}); the console puts the two together.
 */
final class ClusterView {

  record MemberView(String address, String status, List<String> roles, boolean reachable, boolean self,
      boolean leader) {}

  record View(boolean cluster, String self, List<MemberView> members) {}

  private final ActorSystem<?> system;
  private final boolean clustered;

  ClusterView(ActorSystem<?> system, boolean clustered) {
    this.system = system;
    this.clustered = clustered;
  }

  View view() {
    if (!clustered) {
      String self = system.address().toString();
      return new View(false, self, List.of(new MemberView(self, "Up", List.of(), true, true, true)));
    }
    Cluster cluster = Cluster.get(system);
    ClusterEvent.CurrentClusterState state = cluster.state();
    String self = cluster.selfMember().address().toString();
    String leader = state.getLeader() == null ? null : state.getLeader().toString();
    Set<Member> unreachable = state.getUnreachable();
    List<MemberView> members = new ArrayList<>();
    for (Member m : (Iterable<Member>) StreamSupport.stream(state.getMembers().spliterator(), false)::iterator) {
      String address = m.address().toString();
      members.add(new MemberView(address, m.status().toString(), m.getRoles().stream().sorted().toList(),
          !unreachable.contains(m), address.equals(self), address.equals(leader)));
    }
    return new View(true, self, members);
  }
}
