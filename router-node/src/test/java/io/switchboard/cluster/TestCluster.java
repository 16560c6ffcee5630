package io.switchboard.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.persistence.PostgresExtension;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The in-JVM test clusters of one test class: starts {@link ClusterNode}s on the class's PostgreSQL,
 * waits until they are all Up with each other, and crashes whatever is still running after each test.
 * It also owns the test kit used only for awaiting conditions (the nodes are actor systems of their
 * own) and an HTTP client, new for each test.
 *
 * <pre>{@code
 * @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();
 * @RegisterExtension static final TestCluster cluster = new TestCluster(postgres);
 *
 * cluster.start(3, hocon);                   // cluster.nodes(): the three, all Up
 * cluster.crash(cluster.nodes().get(0));     // dies without leaving; no longer in nodes()
 * cluster.awaitTrue(() -> ..., Duration.ofSeconds(30), "what is awaited");
 * }</pre>
 */
final class TestCluster implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private static final Duration DEFAULT_POLL = Duration.ofMillis(100);
  /** How long {@link #start} waits for every node to be Up with the others. */
  private static final Duration FORMING = Duration.ofSeconds(30);

  private final PostgresExtension postgres;
  private final Duration poll;
  private final List<ClusterNode> nodes = new ArrayList<>();
  private ActorTestKit waiter;
  private HttpClient client;

  /** A cluster on {@code postgres} (registered before this), polling conditions every 100 ms. */
  TestCluster(PostgresExtension postgres) {
    this(postgres, DEFAULT_POLL);
  }

  /** @param poll how often {@link #awaitTrue} checks its condition */
  TestCluster(PostgresExtension postgres, Duration poll) {
    this.postgres = postgres;
    this.poll = poll;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    waiter = ActorTestKit.create(context.getRequiredTestClass().getSimpleName() + "-waiter");
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    nodes.forEach(ClusterNode::close);
    nodes.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    waiter.shutdownTestKit();
  }

  /**
   * Starts {@code size} nodes at once, each with {@code hocon} (the providers and models, the same on
   * every node), and waits until every one is Up with all the others. They join {@link #nodes()}.
   */
  void start(int size, String hocon) {
    int[] ports = ClusterNode.freePorts(size);
    List<CompletableFuture<ClusterNode>> starting = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      int index = i;
      starting.add(CompletableFuture.supplyAsync(() -> ClusterNode.start(postgres, ports, index, hocon)));
    }
    for (CompletableFuture<ClusterNode> node : starting) nodes.add(node.join());
    awaitTrue(() -> nodes.stream().allMatch(n -> n.isUpWith(size)), FORMING, "all " + size + " nodes Up");
  }

  /** The running nodes, in the order they were started; those crashed or left are gone from it. */
  List<ClusterNode> nodes() {
    return nodes;
  }

  /** {@link ClusterNode#crash() Crashes} {@code node}: it dies without leaving, and the others must down it. */
  void crash(ClusterNode node) {
    node.crash();
    nodes.remove(node);
  }

  /** Crashes every running node: the whole cluster is gone, nothing left it. */
  void crashAll() {
    nodes.forEach(ClusterNode::crash);
    nodes.clear();
  }

  /** Stops {@code node} as SIGTERM does (see {@link ClusterNode#leaveGracefully()}). */
  void leaveGracefully(ClusterNode node) {
    node.leaveGracefully();
    nodes.remove(node);
  }

  /** An HTTP/1.1 client, new for each test. */
  HttpClient http() {
    return client;
  }

  /** The test kit for probes of the test's own; not a node. */
  ActorTestKit waiter() {
    return waiter;
  }

  /** Waits, polling on the test kit's probe, until {@code condition} holds. */
  void awaitTrue(BooleanSupplier condition, Duration timeout, String what) {
    waiter.createTestProbe().awaitAssert(timeout, poll, () -> {
      assertTrue(condition.getAsBoolean(), "waiting for: " + what);
      return null;
    });
  }
}
