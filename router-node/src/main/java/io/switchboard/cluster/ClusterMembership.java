package io.switchboard.cluster;

import io.switchboard.config.ClusterSettings;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's part in a cluster: starts Pekko Management (health checks for load balancers and
 * Kubernetes probes, and the membership view) and tells whether the node is an Up member that reaches
 * at least half of its cluster, which is when its {@code /ready} may say yes. A node that reaches fewer
 * (it was frozen and woke up to find the others unreachable, or it is the small side of a partition) is
 * the one the split-brain resolver (keep-majority) will down: it answers 503 from the moment it sees
 * that, rather than take requests in the seconds before it downs itself. It also starts
 * {@link CrashedNodeDowning}, which downs a node whose process has died without waiting for the resolver.
 * On a single node it does nothing and the node is always a member.
 */
public final class ClusterMembership {
  private static final Logger log = LoggerFactory.getLogger(ClusterMembership.class);

  private final BooleanSupplier up;

  private ClusterMembership(BooleanSupplier up) {
    this.up = up;
  }

  public static ClusterMembership start(ActorSystem<?> system, ClusterSettings settings) {
    if (!settings.enabled()) return new ClusterMembership(() -> true);
    Cluster cluster = Cluster.get(system);
    log.info("Cluster: this node is {}, joining seed nodes {}", cluster.selfMember().address(), settings.seedNodes());
    if (settings.managementPort() >= 0) {
      PekkoManagement.get(system.classicSystem()).start().whenComplete((uri, error) -> {
        if (error != null) log.error("Pekko Management could not start: {}", error.toString());
        else log.info("Pekko Management (health checks /ready, /alive; /cluster/members) on {}", uri);
      });
    }
    CrashedNodeDowning.start(system, settings.downWhenRefused());
    return new ClusterMembership(() -> {
      if (cluster.selfMember().status() != MemberStatus.up()) return false;
      ClusterEvent.CurrentClusterState state = cluster.state();
      int members = 0;
      for (Member ignored : state.getMembers()) members++;
      return !inMinority(members, state.getUnreachable().size());
    });
  }

  /**
   * Whether fewer than half of {@code members} (this node among them) are reachable from here. Exactly
   * half is not a minority: of two nodes that lose each other, each keeps serving until the resolver
   * decides, rather than both refusing.
   */
  static boolean inMinority(int members, int unreachable) {
    return 2 * (members - unreachable) < members;
  }

  /** True when this node can serve: a single node, or an Up member that reaches at least half its cluster. */
  public boolean isUp() {
    return up.getAsBoolean();
  }
}
