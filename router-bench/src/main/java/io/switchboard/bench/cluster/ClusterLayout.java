package io.switchboard.bench.cluster;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Where the nodes of a local cluster listen: node {@code i} (from 1) gets {@code httpBase + i - 1},
 * {@code clusterBase + i - 1} and {@code managementBase + i - 1}, and its own data directory under
 * {@code runDir} (two nodes never share a directory). Every node lists every node as a seed: the
 * first one up forms the cluster when it is the first seed, the others join whichever seed answers.
 *
 * <pre>{@code
 * ClusterLayout layout = ClusterLayout.defaults(Path.of("deploy/.cluster"));
 * layout.nodes().get(0).httpPort();   // 8081
 * layout.seedNodes();                 // "127.0.0.1:25521,127.0.0.1:25522,127.0.0.1:25523"
 * }</pre>
 */
public record ClusterLayout(String host, int nodeCount, int httpBase, int clusterBase, int managementBase, Path runDir) {

  public static final int DEFAULT_NODES = 3;
  public static final int DEFAULT_HTTP_BASE = 8081;
  /** Above Pekko's default 25520, so a node started by hand on the defaults does not collide. */
  public static final int DEFAULT_CLUSTER_BASE = 25521;
  /** Above Pekko Management's default 8558, for the same reason. */
  public static final int DEFAULT_MANAGEMENT_BASE = 8559;

  public ClusterLayout {
    if (nodeCount < 1) throw new IllegalArgumentException("a cluster needs at least one node, asked for " + nodeCount);
    checkRange("http", httpBase, nodeCount);
    checkRange("cluster", clusterBase, nodeCount);
    checkRange("management", managementBase, nodeCount);
    runDir = runDir.toAbsolutePath().normalize();
  }

  public static ClusterLayout defaults(Path runDir) {
    return new ClusterLayout("127.0.0.1", DEFAULT_NODES, DEFAULT_HTTP_BASE, DEFAULT_CLUSTER_BASE,
        DEFAULT_MANAGEMENT_BASE, runDir);
  }

  private static void checkRange(String name, int base, int count) {
    if (base < 1 || base + count - 1 > 65_535) {
      throw new IllegalArgumentException(name + " ports " + base + ".." + (base + count - 1) + " are not all valid ports");
    }
  }

  /** One node's addresses and directory. */
  public record Node(int index, String host, int httpPort, int clusterPort, int managementPort, Path dataDir,
      Path configFile, Path logFile) {

    public String name() {
      return "node-" + index;
    }

    public String httpUrl() {
      return "http://" + host + ":" + httpPort;
    }

    public String managementUrl() {
      return "http://" + host + ":" + managementPort;
    }
  }

  public List<Node> nodes() {
    List<Node> nodes = new ArrayList<>(nodeCount);
    for (int i = 1; i <= nodeCount; i++) {
      String name = "node-" + i;
      nodes.add(new Node(i, host, httpBase + i - 1, clusterBase + i - 1, managementBase + i - 1,
          runDir.resolve(name), runDir.resolve(name + ".conf"), runDir.resolve(name + ".log")));
    }
    return nodes;
  }

  /** The value of {@code switchboard.cluster.seed-nodes}: every node's cluster address. */
  public String seedNodes() {
    return nodes().stream().map(n -> n.host() + ":" + n.clusterPort()).collect(Collectors.joining(","));
  }

  /** The configuration every node includes (models, providers, store, seeds). */
  public Path sharedConfig() {
    return runDir.resolve("cluster.conf");
  }
}
