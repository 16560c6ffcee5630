package io.switchboard.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.history.DeploymentHistory;
import io.switchboard.history.HistorySnapshot;
import io.switchboard.persistence.PostgresExtension;
import io.switchboard.persistence.StateStore;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three nodes sharing one PostgreSQL: a deployment's history is one entity for the cluster, fed by the
 * traffic of any node and read on every node; when the node holding it dies, it restarts on a survivor
 * from its last snapshot with the outcomes it had.
 */
@Tag("integration")
class ClusterHistoryTest {
  private static final String LABEL = "simulated/switchboard-sim-1";
  private static final String HISTORY = "/admin/deployments/simulated%2Fswitchboard-sim-1/history?limit=0";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String CONFIG =
      "switchboard.history { flush-interval = 50ms, refresh-interval = 200ms, checkpoint-interval = 200ms }";

  @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();
  @RegisterExtension static final TestCluster cluster = new TestCluster(postgres);

  /** The running nodes of the test's cluster. */
  private final List<ClusterNode> nodes = cluster.nodes();

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return cluster.http().send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError("request failed: " + e, e);
    }
  }

  private void chat(ClusterNode node, int count) {
    for (int i = 0; i < count; i++) {
      HttpResponse<String> r = send(HttpRequest.newBuilder(node.uri("/v1/chat/completions"))
          .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"model\":\"switchboard-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")).build());
      assertEquals(200, r.statusCode(), r.body());
    }
  }

  /** The outcomes in the history as {@code node}'s admin route reads it (asked of the entity); -1 while it cannot. */
  private int outcomes(ClusterNode node) {
    HttpResponse<String> r = send(HttpRequest.newBuilder(node.uri(HISTORY)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + ClusterNode.ADMIN_KEY).GET().build());
    if (r.statusCode() != 200) return -1;
    try {
      JsonNode view = JSON.readTree(r.body());
      return view.path("summary").path("outcomes").asInt();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The gauge of the history's outcomes on {@code node}: its local copy of the summary. */
  private double gauge(ClusterNode node) {
    String scrape = send(HttpRequest.newBuilder(node.uri("/metrics")).GET().build()).body();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("switchboard_history_outcomes{deployment=\"" + LABEL + "\"}")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return -1;
  }

  /** The node whose shard region holds the history entity, if one does yet. */
  private Optional<ClusterNode> host() {
    for (ClusterNode node : nodes) {
      TestProbe<ShardRegion.CurrentShardRegionState> probe = cluster.waiter().createTestProbe();
      ClusterSharding.get(node.system).shardState()
          .tell(new GetShardRegionState(DeploymentHistory.ENTITY_TYPE, probe.getRef()));
      ShardRegion.CurrentShardRegionState state = probe.receiveMessage(Duration.ofSeconds(10));
      if (state.getShards().stream().anyMatch(shard -> shard.getEntityIds().contains(LABEL))) return Optional.of(node);
    }
    return Optional.empty();
  }

  @Test
  void oneHistoryForTheCluster_seenOnEveryNode_andRecoveredOnASurvivorWhenItsNodeDies() throws Exception {
    cluster.start(3, CONFIG);
    chat(nodes.get(0), 12);
    chat(nodes.get(1), 8);

    // One history took the outcomes of both nodes, and every node's local copy shows them.
    cluster.awaitTrue(() -> nodes.stream().allMatch(n -> gauge(n) == 20.0), Duration.ofSeconds(30), "every node's copy at 20");
    ClusterNode victim = host().orElseThrow();
    List<ClusterNode> survivors = nodes.stream().filter(n -> n != victim).toList();
    StateStore<HistorySnapshot> store = StateStore.jdbc(survivors.get(0).system, HistorySnapshot.class);
    cluster.awaitTrue(() -> store.load(DeploymentHistory.persistenceId(LABEL)).toCompletableFuture()
            .orTimeout(5, TimeUnit.SECONDS).join().map(s -> s.value().at().length == 20).orElse(false),
        Duration.ofSeconds(10), "the snapshot holds the 20 outcomes");

    cluster.crash(victim);
    cluster.awaitTrue(() -> survivors.stream().allMatch(n -> n.isUpWith(2)), Duration.ofSeconds(30),
        "the crashed node was downed and removed");

    cluster.awaitTrue(() -> outcomes(survivors.get(0)) == 20, Duration.ofSeconds(30), "the history is back with its outcomes");
    assertTrue(host().filter(survivors::contains).isPresent(), "the history lives on a survivor");
    chat(survivors.get(1), 5);
    cluster.awaitTrue(() -> survivors.stream().allMatch(n -> gauge(n) == 25.0), Duration.ofSeconds(30),
        "new outcomes add to the recovered history");
  }
}
