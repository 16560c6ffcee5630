package io.switchboard.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.config.ClusterSettings;
import io.switchboard.config.HttpSettings;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns {@code switchboard.cluster} (and the HTTP drain) into the Pekko settings a node runs with,
 * layered over the loaded configuration before the actor system is created.
 *
 * <p>Shutdown, in both modes: Pekko's coordinated shutdown marks the node not ready, keeps serving for
 * {@code switchboard.http.shutdown-unready} so that whoever polls {@code /ready} stops sending, unbinds the HTTP
 * port, then waits up to {@code switchboard.http.shutdown-drain} for requests in flight (streams
 * included) before closing them. In a cluster it then hands its shards to the other nodes and leaves,
 * so the provider entities it held restart elsewhere from their persisted state.
 *
 * <p>Node loss: the split-brain resolver (keep-majority) downs unreachable nodes once the membership
 * has been stable for {@code split-brain-stable-after}; the side with fewer nodes downs itself. The
 * removed node's shards and singletons start on the survivors after {@code down-removal-margin}, which
 * is set explicitly: left unset, the resolver would wait its stable-after a second time. Failure detection
 * and the leader's pace are Pekko settings, in application.conf.
 *
 * <p>Joining: a node whose own address is the first seed forms a new cluster when no other seed has
 * answered within {@code seed-node-timeout}. Pekko's 5 s default let a first seed restarted during a
 * rolling restart on a busy machine form a second cluster beside the running one (two clusters never
 * merge), so the default is longer; seeds that are starting answer at once that they are not members
 * yet, so a cold start of the whole cluster does not wait for it.
 */
public final class ClusterConfig {
  /** The actor system's name: the nodes of one cluster must all use it. */
  public static final String SYSTEM_NAME = "switchboard";

  private ClusterConfig() {}

  /** {@code loaded} with the cluster (or single-node) and shutdown settings of this node. */
  public static Config layeredOver(Config loaded, ClusterSettings cluster, HttpSettings http) {
    return of(cluster, http).withFallback(loaded);
  }

  public static Config of(ClusterSettings cluster, HttpSettings http) {
    Map<String, Object> keys = new HashMap<>();
    // The drain phase must last as long as the drain itself, or it is cut short at Pekko's default 5s.
    keys.put("pekko.coordinated-shutdown.phases.service-requests-done.timeout",
        (http.shutdownDrain().toMillis() + 1000) + "ms");
    // Likewise the phase in which /ready answers 503 while the port still serves.
    keys.put("pekko.coordinated-shutdown.phases.before-service-unbind.timeout",
        (http.shutdownUnready().toMillis() + 1000) + "ms");
    if (!cluster.enabled()) return ConfigFactory.parseMap(keys, "switchboard.http.shutdown-drain");
    keys.put("pekko.actor.provider", "cluster");
    keys.put("pekko.remote.artery.canonical.hostname", cluster.host());
    keys.put("pekko.remote.artery.canonical.port", cluster.port());
    keys.put("pekko.cluster.seed-nodes", seedAddresses(cluster.seedNodes()));
    keys.put("pekko.cluster.downing-provider-class", "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
    keys.put("pekko.cluster.split-brain-resolver.active-strategy", "keep-majority");
    keys.put("pekko.cluster.split-brain-resolver.stable-after", cluster.stableAfter().toMillis() + "ms");
    keys.put("pekko.cluster.down-removal-margin", cluster.downRemovalMargin().toMillis() + "ms");
    keys.put("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes", "off");
    keys.put("pekko.cluster.seed-node-timeout", cluster.seedNodeTimeout().toMillis() + "ms");
    keys.put("pekko.management.http.hostname", cluster.managementHost());
    keys.put("pekko.management.http.port", Math.max(0, cluster.managementPort()));
    return ConfigFactory.parseMap(keys, ClusterSettings.PATH);
  }

  private static List<String> seedAddresses(List<String> seeds) {
    return seeds.stream().map(s -> "pekko://" + SYSTEM_NAME + "@" + s).toList();
  }
}
