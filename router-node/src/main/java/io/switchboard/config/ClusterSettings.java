package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code switchboard.cluster}: whether this node joins a Pekko cluster, where it is reachable by the
 * other nodes, and how it finds them.
 *
 * @param enabled off: one node on its own, provider actors local, no remoting port opened
 * @param host address the other nodes reach this one at (Artery remoting)
 * @param port Artery remoting port; 0 picks a free one (tests)
 * @param seedNodes {@code host:port} of nodes to join; this node's own address among them lets it
 *     start the cluster when no other seed answers
 * @param managementPort Pekko Management HTTP port (health checks {@code /ready}, {@code /alive},
 *     {@code /cluster/members}); negative: not started
 * @param managementHost interface Pekko Management binds to
 * @param stableAfter how long membership must be stable before the split-brain resolver acts
 * @param seedNodeTimeout how long a node whose own address is the first seed waits for another seed
 *     to answer before it forms a new cluster on its own
 * @param downRemovalMargin how long after a node is removed its shards and singletons wait before they
 *     start on the survivors (Pekko's {@code down-removal-margin})
 * @param downWhenRefused whether an unreachable node whose cluster port refuses connections (its process
 *     has died) is downed at once rather than after {@code stableAfter}
 */
public record ClusterSettings(
    boolean enabled, String host, int port, List<String> seedNodes, String managementHost, int managementPort,
    Duration stableAfter, Duration seedNodeTimeout, Duration downRemovalMargin, boolean downWhenRefused) {

  public static final String PATH = "switchboard.cluster";

  /** The default of {@code seed-node-timeout}, as in reference.conf. */
  public static final Duration DEFAULT_SEED_NODE_TIMEOUT = Duration.ofSeconds(20);

  /** The default of {@code down-removal-margin}, as in reference.conf. */
  public static final Duration DEFAULT_DOWN_REMOVAL_MARGIN = Duration.ofMillis(200);

  public ClusterSettings {
    seedNodes = List.copyOf(seedNodes);
  }

  /** With the defaults of {@code seed-node-timeout}, {@code down-removal-margin} and {@code down-when-refused}. */
  public ClusterSettings(boolean enabled, String host, int port, List<String> seedNodes, String managementHost,
      int managementPort, Duration stableAfter) {
    this(enabled, host, port, seedNodes, managementHost, managementPort, stableAfter, DEFAULT_SEED_NODE_TIMEOUT,
        DEFAULT_DOWN_REMOVAL_MARGIN, true);
  }

  /** A single node: no cluster. */
  public static final ClusterSettings STANDALONE =
      new ClusterSettings(false, "127.0.0.1", 0, List.of(), "127.0.0.1", -1, Duration.ofSeconds(20));

  static ClusterSettings from(Config c) {
    List<String> seeds = new ArrayList<>();
    for (String seed : c.getString("seed-nodes").split(",")) {
      String s = seed.trim();
      if (s.isEmpty()) continue;
      int colon = s.lastIndexOf(':');
      if (colon <= 0 || colon == s.length() - 1 || !s.substring(colon + 1).chars().allMatch(Character::isDigit)) {
        throw new SettingsException(PATH + ".seed-nodes: '" + s + "' is not host:port");
      }
      seeds.add(s);
    }
    int port = c.getInt("port");
    if (port < 0 || port > 65535) throw new SettingsException(PATH + ".port = " + port + " is not a port");
    boolean enabled = c.getBoolean("enabled");
    if (enabled && seeds.isEmpty()) {
      throw new SettingsException(PATH + ".seed-nodes is empty: name at least one node to join (host:port),"
          + " this node's own address to start a new cluster");
    }
    java.time.Duration seedNodeTimeout = c.getDuration("seed-node-timeout");
    if (seedNodeTimeout.isNegative() || seedNodeTimeout.isZero()) {
      throw new SettingsException(PATH + ".seed-node-timeout = " + c.getString("seed-node-timeout")
          + " must be positive: it is how long a first seed waits for the others before it forms a cluster alone");
    }
    java.time.Duration margin = c.getDuration("down-removal-margin");
    if (margin.isNegative() || margin.isZero()) {
      // Pekko reads zero as "off", which under the split-brain resolver means stable-after again.
      throw new SettingsException(PATH + ".down-removal-margin = " + c.getString("down-removal-margin")
          + " must be positive: it is how long a removed node's entities wait before they start on the survivors");
    }
    return new ClusterSettings(enabled, c.getString("host"), port, seeds, c.getString("management-host"),
        c.getInt("management-port"), c.getDuration("split-brain-stable-after"), seedNodeTimeout, margin,
        c.getBoolean("down-when-refused"));
  }
}
