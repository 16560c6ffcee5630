package io.switchboard.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.persistence.PostgresExtension;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

  /** Polls every 50 ms: a change must be seen within {@link #WITHIN}. */
  @RegisterExtension static final TestCluster cluster = new TestCluster(postgres, Duration.ofMillis(50));
  /** How soon another node must serve a change; replication itself is sub-second (see the log of a run). */
  private static final Duration WITHIN = Duration.ofSeconds(2);
  private static final String CONFIG = """
      switchboard.providers.simulated.simulated.latency = 0ms
      switchboard.providers.second { kind = simulated, simulated.latency = 0ms }
      """;

  /** The running nodes of the test's cluster. */
  private final List<ClusterNode> nodes = cluster.nodes();

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return cluster.http().send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
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
    cluster.start(2, CONFIG);
    ClusterNode a = nodes.get(0);
    ClusterNode b = nodes.get(1);
    assertEquals(404, chat(b, "fresh"));

    long start = System.nanoTime();
    assertEquals(200, put(a, "/admin/registry/models/fresh", model("second")).statusCode());
    cluster.awaitTrue(() -> chat(b, "fresh") == 200, WITHIN, "node B serves the model added on node A");
    long addedMillis = (System.nanoTime() - start) / 1_000_000;

    start = System.nanoTime();
    assertEquals(200, delete(a, "/admin/registry/models/fresh").statusCode());
    cluster.awaitTrue(() -> chat(b, "fresh") == 404, WITHIN, "node B no longer serves the model removed on node A");
    long removedMillis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(export(a), export(b), "both nodes serve the same registry");
    System.out.printf("registry change seen on the other node after %d ms (add), %d ms (remove)%n", addedMillis,
        removedMillis);
  }

  @Test
  void changesMadeOnBothNodesAtOnce_areAllKept_everywhere() {
    cluster.start(2, CONFIG);
    List<CompletableFuture<HttpResponse<String>>> writes = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ClusterNode on = nodes.get(i % 2);
      String name = "m" + i;
      writes.add(CompletableFuture.supplyAsync(() -> put(on, "/admin/registry/models/" + name, model("second"))));
    }
    writes.forEach(w -> assertEquals(200, w.join().statusCode(), w.join().body()));

    for (ClusterNode node : nodes) {
      cluster.awaitTrue(() -> {
        String exported = export(node);
        for (int i = 0; i < 6; i++) if (!exported.contains("\"m" + i + "\"")) return false;
        return true;
      }, WITHIN, "every node holds all six models");
    }
    assertEquals(export(nodes.get(0)), export(nodes.get(1)));
  }

  @Test
  void theWholeClusterRestarted_servesTheChangedRegistry() {
    cluster.start(2, CONFIG);
    assertEquals(200, put(nodes.get(1), "/admin/registry/models/kept", model("second")).statusCode());
    String exported = export(nodes.get(1));
    cluster.crashAll();

    cluster.start(2, CONFIG);

    for (ClusterNode node : nodes) {
      assertEquals(exported, export(node));
      assertEquals(200, chat(node, "kept"));
    }
    assertTrue(exported.contains("\"kept\""));
  }
}
