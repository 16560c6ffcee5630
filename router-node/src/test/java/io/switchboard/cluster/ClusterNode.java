package io.switchboard.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.Guardian;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.persistence.PersistenceConfig;
import io.switchboard.persistence.PostgresExtension;
import io.switchboard.provider.ProviderActor;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * One Switchboard node of an in-JVM test cluster: its own actor system (named like every node's, so
 * they form one cluster), its own remoting port and HTTP port, started from the configuration
 * {@code Main} would build, on the test's shared PostgreSQL. Tests start whole clusters with
 * {@link TestCluster}, which starts nodes like this:
 *
 * <pre>{@code
 * int[] ports = ClusterNode.freePorts(3);
 * ClusterNode a = ClusterNode.start(postgres, ports, 0, PROVIDERS);  // seeds: every port in ports
 * }</pre>
 */
final class ClusterNode implements AutoCloseable {
  /** Every test node's admin key. */
  static final String ADMIN_KEY = "cluster-test-admin-key-0123456789";

  final ActorSystem<Void> system;
  final Guardian.Started started;
  final int clusterPort;

  private ClusterNode(ActorSystem<Void> system, Guardian.Started started, int clusterPort) {
    this.system = system;
    this.started = started;
    this.clusterPort = clusterPort;
  }

  /**
   * Starts node {@code index} of a cluster whose nodes use {@code ports}; the first port is the
   * first seed.
   *
   * @param hocon the providers and models, the same on every node
   */
  static ClusterNode start(PostgresExtension postgres, int[] ports, int index, String hocon) {
    String seeds = java.util.Arrays.stream(ports).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    Config overrides = ConfigFactory.parseString(hocon)
        .withFallback(ConfigFactory.parseMap(Map.of(
            "switchboard.cluster.enabled", true,
            "switchboard.cluster.port", ports[index],
            "switchboard.cluster.seed-nodes", seeds,
            "switchboard.cluster.management-port", -1,
            "switchboard.cluster.split-brain-stable-after", "2s",
            // Pekko's own default: a test cluster starts without waiting the production 20 s for other seeds.
            "switchboard.cluster.seed-node-timeout", "5s",
            "switchboard.http.port", 0,
            "switchboard.http.shutdown-drain", "2s")))
        // A crash is a system stopped without leaving: its peers must notice and down it.
        .withFallback(ConfigFactory.parseMap(Map.of(
            "pekko.coordinated-shutdown.run-by-actor-system-terminate", "off",
            "pekko.cluster.failure-detector.acceptable-heartbeat-pause", "2s",
            "pekko.cluster.sharding.retry-interval", "200ms")))
        .withFallback(postgres.settings());
    Config loaded = overrides.withFallback(ConfigFactory.load()).resolve();
    Map<String, String> env = new java.util.HashMap<>(postgres.env());
    env.put("SWITCHBOARD_ADMIN_KEY", ADMIN_KEY);
    SwitchboardSettings settings = SwitchboardSettings.from(loaded, env::get);
    Config config = ClusterConfig.layeredOver(PersistenceConfig.layeredOver(loaded, settings.persistence()),
        settings.cluster(), settings.http());
    CompletableFuture<Guardian.Started> started = new CompletableFuture<>();
    ActorSystem<Void> system = ActorSystem.create(Guardian.create(settings, started), ClusterConfig.SYSTEM_NAME, config);
    try {
      return new ClusterNode(system, started.get(30, TimeUnit.SECONDS), ports[index]);
    } catch (Exception e) {
      system.terminate();
      throw new AssertionError("node " + index + " did not start", e);
    }
  }

  static int[] freePorts(int count) {
    int[] ports = new int[count];
    for (int i = 0; i < count; i++) {
      try (ServerSocket socket = new ServerSocket(0)) {
        ports[i] = socket.getLocalPort();
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
    return ports;
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + started.binding().localAddress().getPort() + path);
  }

  String address() {
    return system.address().toString();
  }

  boolean isUpWith(int members) {
    Cluster cluster = Cluster.get(system);
    int up = 0;
    for (var m : cluster.state().getMembers()) if (m.status() == MemberStatus.up()) up++;
    return cluster.selfMember().status() == MemberStatus.up() && up == members;
  }

  /** The admission state of {@code provider}, asked from this node wherever its entity lives. */
  ProviderActor.Status status(String provider) {
    try {
      return started.providers().get(provider).orElseThrow().status().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("status of " + provider + " from " + address(), e);
    }
  }

  /** Stops the node as if its process died: no leaving, no hand-off; the others must down it. */
  void crash() {
    system.terminate();
    await(system.getWhenTerminated().toCompletableFuture(), Duration.ofSeconds(20));
  }

  /** Stops the node as SIGTERM does: not ready, drain, hand shards off, leave, terminate. */
  void leaveGracefully() {
    org.apache.pekko.actor.CoordinatedShutdown.get(system.classicSystem())
        .run(org.apache.pekko.actor.CoordinatedShutdown.unknownReason());
    await(system.getWhenTerminated().toCompletableFuture(), Duration.ofSeconds(30));
  }

  @Override
  public void close() {
    if (!system.getWhenTerminated().toCompletableFuture().isDone()) crash();
  }

  private static void await(CompletableFuture<?> future, Duration timeout) {
    try {
      future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static List<String> addresses(List<ClusterNode> nodes) {
    return nodes.stream().map(ClusterNode::address).toList();
  }
}
