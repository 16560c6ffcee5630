package io.switchboard.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.persistence.PostgresExtension;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The live model registry in a real two-node cluster on one PostgreSQL: a change made through one
 * node's admin API is served by the other within about a second (Distributed Data, no restart, no
 * polling), changes made on both nodes at once are both kept, and the whole cluster restarted still
 * serves the changed registry.
 */
@Tag("integration")
class RegistryReplicationTest {
  @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();

  /** Only for awaiting conditions; the nodes are actor systems of their own. */
  private static final ActorTestKit waiter = ActorTestKit.create("registry-replication-waiter");
  /** How soon another node must serve a change; replication itself is sub-second (see the log of a run). */
  private static final Duration WITHIN = Duration.ofSeconds(2);
  private static final String CONFIG = """
      switchboard.providers.simulated.simulated.latency = 0ms
      switchboard.providers.second { kind = simulated, simulated.latency = 0ms }
      """;

  private final List<ClusterNode> nodes = new ArrayList<>();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterAll
  static void stopWaiter() {
    waiter.shutdownTestKit();
  }

  @AfterEach
  void stopNodes() {
    nodes.forEach(ClusterNode::close);
  }

  private void startCluster(int size) {
    int[] ports = ClusterNode.freePorts(size);
    List<CompletableFuture<ClusterNode>> starting = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      int index = i;
      starting.add(CompletableFuture.supplyAsync(() -> ClusterNode.start(postgres, ports, index, CONFIG)));
    }
    for (CompletableFuture<ClusterNode> node : starting) nodes.add(node.join());
    awaitTrue(() -> nodes.stream().allMatch(n -> n.isUpWith(size)), Duration.ofSeconds(30), "all nodes Up");
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return client.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private HttpResponse<String> put(ClusterNode node, String path, String body) {
    return send(HttpRequest.newBuilder(node.uri(path)).header("Authorization", "Bearer " + ClusterNode.ADMIN_KEY)
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  private HttpResponse<String> delete(ClusterNode node, String path) {
    return send(HttpRequest.newBuilder(node.uri(path)).header("Authorization", "Bearer " + ClusterNode.ADMIN_KEY)
        .DELETE());
  }

  private int chat(ClusterNode node, String model) {
    return send(HttpRequest.newBuilder(node.uri("/v1/chat/completions")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"max_tokens\":8,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))).statusCode();
  }

  private String export(ClusterNode node) {
    return send(HttpRequest.newBuilder(node.uri("/admin/registry"))
        .header("Authorization", "Bearer " + ClusterNode.ADMIN_KEY).GET()).body();
  }

  private static String model(String provider) {
    return "{\"deployments\": [{\"provider\": \"" + provider + "\"}]}";
  }

  @Test
  void aChangeOnOneNode_isServedByTheOther_withinAboutASecond_andSoIsARemoval() {
    startCluster(2);
    ClusterNode a = nodes.get(0);
    ClusterNode b = nodes.get(1);
    assertEquals(404, chat(b, "fresh"));

    long start = System.nanoTime();
    assertEquals(200, put(a, "/admin/registry/models/fresh", model("second")).statusCode());
    awaitTrue(() -> chat(b, "fresh") == 200, WITHIN, "node B serves the model added on node A");
    long addedMillis = (System.nanoTime() - start) / 1_000_000;

    start = System.nanoTime();
    assertEquals(200, delete(a, "/admin/registry/models/fresh").statusCode());
    awaitTrue(() -> chat(b, "fresh") == 404, WITHIN, "node B no longer serves the model removed on node A");
    long removedMillis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(export(a), export(b), "both nodes serve the same registry");
    System.out.printf("registry change seen on the other node after %d ms (add), %d ms (remove)%n", addedMillis,
        removedMillis);
  }

  @Test
  void changesMadeOnBothNodesAtOnce_areAllKept_everywhere() {
    startCluster(2);
    List<CompletableFuture<HttpResponse<String>>> writes = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ClusterNode on = nodes.get(i % 2);
      String name = "m" + i;
      writes.add(CompletableFuture.supplyAsync(() -> put(on, "/admin/registry/models/" + name, model("second"))));
    }
    writes.forEach(w -> assertEquals(200, w.join().statusCode(), w.join().body()));

    for (ClusterNode node : nodes) {
      awaitTrue(() -> {
        String exported = export(node);
        for (int i = 0; i < 6; i++) if (!exported.contains("\"m" + i + "\"")) return false;
        return true;
      }, WITHIN, "every node holds all six models");
    }
    assertEquals(export(nodes.get(0)), export(nodes.get(1)));
  }

  @Test
  void theWholeClusterRestarted_servesTheChangedRegistry() {
    startCluster(2);
    assertEquals(200, put(nodes.get(1), "/admin/registry/models/kept", model("second")).statusCode());
    String exported = export(nodes.get(1));
    nodes.forEach(ClusterNode::crash);
    nodes.clear();

    startCluster(2);

    for (ClusterNode node : nodes) {
      assertEquals(exported, export(node));
      assertEquals(200, chat(node, "kept"));
    }
    assertTrue(exported.contains("\"kept\""));
  }

  /** Waits, polling on the test kit's probe, until {@code condition} holds. */
  private static void awaitTrue(BooleanSupplier condition, Duration timeout, String what) {
    waiter.createTestProbe().awaitAssert(timeout, Duration.ofMillis(50), () -> {
      assertTrue(condition.getAsBoolean(), "waiting for: " + what);
      return null;
    });
  }
}
