package io.switchboard.bench.cluster;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The HOCON files a local cluster's nodes start with: one shared {@code cluster.conf} (the operator's
 * own file with providers and models, then the store and the seeds, which the launcher owns) and one
 * small {@code node-N.conf} per node that includes it and adds the node's ports and data directory.
 * Files rather than environment variables so an operator can read exactly what each node was given;
 * the database password alone travels in the environment ({@link #PASSWORD_ENV}), never in a file.
 */
public final class NodeConfigs {
  private NodeConfigs() {}

  /** The variable every node reads the database password from ({@code password-env}). */
  public static final String PASSWORD_ENV = "SWITCHBOARD_DB_PASSWORD";

  /**
   * The shared file: {@code userConfig} first, so the store and cluster keys here win over it.
   *
   * @param passwordInEnv whether the nodes find a password in {@link #PASSWORD_ENV}; without one they
   *     connect without a password
   */
  public static String shared(ClusterLayout layout, Database.Connection db, boolean passwordInEnv,
      Optional<Path> userConfig) {
    StringBuilder out = new StringBuilder();
    out.append("# Written by the local cluster launcher (io.switchboard.bench.cluster.LocalCluster);\n")
        .append("# every node-N.conf includes it. Regenerated on each start: edit your own --config file.\n");
    userConfig.ifPresent(file -> out.append("include file(").append(quote(file.toAbsolutePath().toString()))
        .append(")\n"));
    out.append("switchboard {\n")
        .append("  persistence {\n")
        .append("    store = postgres\n")
        .append("    postgres {\n")
        .append("      url = ").append(quote(db.url())).append('\n')
        .append("      user = ").append(quote(db.user())).append('\n')
        .append("      password-env = ").append(quote(passwordInEnv ? PASSWORD_ENV : "")).append('\n')
        .append("    }\n")
        .append("  }\n")
        .append("  cluster {\n")
        .append("    enabled = true\n")
        .append("    seed-nodes = ").append(quote(layout.seedNodes())).append('\n')
        .append("  }\n")
        .append("}\n");
    return out.toString();
  }

  /** One node's file: the shared one plus its own addresses and data directory. */
  public static String node(ClusterLayout layout, ClusterLayout.Node node) {
    return "# " + node.name() + " of the local cluster; see cluster.conf for what all nodes share.\n"
        + "include file(" + quote(layout.sharedConfig().toString()) + ")\n"
        + "switchboard {\n"
        + "  http { host = " + quote(node.host()) + ", port = " + node.httpPort() + " }\n"
        + "  persistence.data-dir = " + quote(node.dataDir().toString()) + '\n'
        + "  cluster {\n"
        + "    host = " + quote(node.host()) + '\n'
        + "    port = " + node.clusterPort() + '\n'
        + "    management-host = " + quote(node.host()) + '\n'
        + "    management-port = " + node.managementPort() + '\n'
        + "  }\n"
        + "}\n";
  }

  /** A HOCON quoted string (JSON string syntax), so paths with spaces or backslashes survive. */
  static String quote(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    for (char c : value.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        default -> out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
