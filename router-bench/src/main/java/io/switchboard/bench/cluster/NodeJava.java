package io.switchboard.bench.cluster;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The {@code java} that runs a node the bench starts, and flags added to the launcher's own, from the
 * environment as run.sh sets it: {@code NODE_JAVA} (a binary, e.g. JDK 25's) and {@code NODE_JAVA_OPTS}
 * (flags separated by spaces, put after the launcher's, so a {@code -Xmx} there wins). Without them a
 * node runs on the launcher's own JVM with the launcher's flags alone.
 */
public final class NodeJava {
  public static final String BINARY_ENV = "NODE_JAVA";
  public static final String OPTIONS_ENV = "NODE_JAVA_OPTS";

  private NodeJava() {}

  /** The binary named by {@code NODE_JAVA}, else this JVM's. */
  public static String binary() {
    return binary(System.getenv());
  }

  /** The flags of {@code NODE_JAVA_OPTS}, none if unset. */
  public static List<String> options() {
    return options(System.getenv());
  }

  static String binary(Map<String, String> env) {
    String named = env.getOrDefault(BINARY_ENV, "").strip();
    return named.isEmpty() ? ProcessHandle.current().info().command().orElse("java") : named;
  }

  static List<String> options(Map<String, String> env) {
    return Arrays.stream(env.getOrDefault(OPTIONS_ENV, "").strip().split("\\s+")).filter(f -> !f.isEmpty()).toList();
  }
}
