package io.switchboard.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.config.ResponseStoreSettings;
import io.switchboard.persistence.PostgresExtension;
import io.switchboard.provider.openai.FakeOpenAi;
import io.switchboard.responses.ResponseEntity;
import io.switchboard.responses.ShardedResponseStore;
import io.switchboard.responses.StoredResponse;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stored responses in a cluster of three nodes sharing one real PostgreSQL: a response written
 * through one node is read and deleted through the others, and the responses whose entities lived on
 * a node that crashed are read on a survivor, recovered from the database, still only by their owner;
 * over HTTP, a {@code previous_response_id} chain started on one node goes on on another after the
 * first crashed, and another key sees none of it on any node.
 *
 * <p>Real time: cluster formation, failure detection and the split-brain resolver run on Pekko's own
 * timers (shortened here to seconds).
 */
@Tag("integration")
class ResponseStoreClusterTest {
  @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();
  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();

  /** Polls every 200 ms: some conditions read the database. */
  @RegisterExtension static final TestCluster cluster = new TestCluster(postgres, Duration.ofMillis(200));

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The running nodes of the test's cluster. */
  private final List<ClusterNode> nodes = cluster.nodes();

  /** Provider {@code oa} on the fake upstream, model {@code gpt} on it, and {@code moreHocon}. */
  private static String config(String moreHocon) {
    return """
        switchboard.providers.oa { kind = openai, openai.base-url = "%s", retries.max-attempts = 1 }
        switchboard.models.gpt { provider = oa, upstream-model = "gpt-4o" }
        %s
        """.formatted(upstream.baseUrl(), moreHocon);
  }

  /** The node's store: the shard region of stored responses, started on every node. */
  private static ShardedResponseStore store(ClusterNode node) {
    return ShardedResponseStore.start(node.system, Clock.systemUTC(),
        ResponseStoreSettings.from(node.system.settings().config()));
  }

  private static StoredResponse response(String id, String owner) {
    return response(id, owner, Clock.systemUTC().instant());
  }

  private static StoredResponse response(String id, String owner, Instant createdAt) {
    return new StoredResponse(id, owner, createdAt.getEpochSecond(), null,
        "[{\"type\":\"message\",\"role\":\"user\",\"content\":\"question " + id + "\"}]",
        "{\"id\":\"" + id + "\",\"object\":\"response\",\"output\":[]}");
  }

  /** The ids of stored responses whose entities live on {@code node} now. */
  private static Set<String> hostedOn(ClusterNode node) {
    CompletionStage<ShardRegion.CurrentShardRegionState> state = AskPattern.ask(
        ClusterSharding.get(node.system).shardState(),
        replyTo -> new GetShardRegionState(ResponseEntity.ENTITY_TYPE, replyTo), Duration.ofSeconds(10),
        node.system.scheduler());
    Set<String> ids = new HashSet<>();
    await(state).getShards().forEach(shard -> ids.addAll(shard.getEntityIds()));
    return ids;
  }

  @Test
  void responsesStoredThroughOneNode_areReadOnTheOthers_andSurviveTheCrashOfTheNodeHoldingThem() {
    cluster.start(3, config(""));
    List<ShardedResponseStore> stores = nodes.stream().map(ResponseStoreClusterTest::store).toList();
    ClusterNode a = nodes.get(0);
    ShardedResponseStore onA = stores.get(0);

    // Written through node A until some of them live on A itself (placement is the coordinator's).
    List<StoredResponse> written = new ArrayList<>();
    for (int i = 0; written.size() < 12 || hostedOn(a).isEmpty(); i++) {
      assertTrue(i < 60, "no response entity was placed on node A");
      StoredResponse r = response("resp_cluster_" + i, "key_owner");
      await(onA.put(r));
      written.add(r);
    }
    Set<String> onCrashedNode = hostedOn(a);
    for (StoredResponse r : written) {
      assertEquals(Optional.of(r), await(stores.get(1).get(r.id(), "key_owner")), "read on node B");
      assertEquals(Optional.empty(), await(stores.get(2).get(r.id(), "key_other")), "not another key's, on node C");
    }

    cluster.crash(a);
    ShardedResponseStore onB = stores.get(1);
    ShardedResponseStore onC = stores.get(2);
    // Until the crashed node is downed, its shards cannot move: asks for them time out meanwhile.
    StoredResponse first = written.stream().filter(r -> onCrashedNode.contains(r.id())).findFirst().orElseThrow();
    cluster.awaitTrue(() -> found(onB, first.id()), Duration.ofSeconds(60), "a response of the crashed node is read on B");

    for (StoredResponse r : written) {
      assertEquals(Optional.of(r), await(onB.get(r.id(), "key_owner")),
          r.id() + (onCrashedNode.contains(r.id()) ? " (its entity was on the crashed node)" : ""));
      assertEquals(Optional.empty(), await(onC.get(r.id(), "key_other")), "still not another key's");
    }
    assertFalse(await(onC.delete(first.id(), "key_other")), "another key cannot delete it");
    assertTrue(await(onC.delete(first.id(), "key_owner")), "deleted through node C");
    assertEquals(Optional.empty(), await(onB.get(first.id(), "key_owner")), "and gone on node B");
  }

  @Test
  void previousResponseChain_startedOnANode_goesOnOnAnotherAfterTheFirstCrashed_andStaysItsKeysOnly()
      throws Exception {
    cluster.start(3, config(""));
    ClusterNode a = nodes.get(0);
    ClusterNode b = nodes.get(1);
    ClusterNode c = nodes.get(2);
    String owner = createKey(a, "owner");
    String other = createKey(a, "other");

    // The first turn, on node A, until its stored response lives on A itself (placement is the coordinator's).
    JsonNode first = null;
    for (int i = 0; first == null || !hostedOn(a).contains(first.path("id").asText()); i++) {
      assertTrue(i < 30, "no stored response was placed on node A");
      HttpResponse<String> created = send(a, "POST", "/v1/responses", owner,
          "{\"model\":\"gpt\",\"input\":\"My name is Ada.\"}");
      assertEquals(200, created.statusCode(), created.body());
      first = JSON.readTree(created.body());
    }
    String firstId = first.path("id").asText();

    cluster.crash(a);
    cluster.awaitTrue(() -> send(b, "GET", "/v1/responses/" + firstId, owner, null).statusCode() == 200,
        Duration.ofSeconds(60), "the first turn, stored on the crashed node, is read on node B");

    upstream.reset();
    HttpResponse<String> continued = send(b, "POST", "/v1/responses", owner,
        "{\"model\":\"gpt\",\"previous_response_id\":\"" + firstId + "\",\"input\":\"What is my name?\"}");
    assertEquals(200, continued.statusCode(), continued.body());
    JsonNode second = JSON.readTree(continued.body());
    assertEquals(firstId, second.path("previous_response_id").asText());
    JsonNode messages = upstream.received().get(0).json().path("messages");
    assertEquals(3, messages.size(), "the first turn's input and output, then the new input: " + messages);
    assertEquals("My name is Ada.", messages.get(0).path("content").asText());
    assertEquals("assistant", messages.get(1).path("role").asText());
    assertEquals(FakeOpenAi.CONTENT, messages.get(1).path("content").asText());
    assertEquals("What is my name?", messages.get(2).path("content").asText());

    String secondId = second.path("id").asText();
    assertEquals(200, send(c, "GET", "/v1/responses/" + secondId, owner, null).statusCode(), "read on node C");
    for (ClusterNode node : List.of(b, c)) {
      assertEquals(404, send(node, "GET", "/v1/responses/" + firstId, other, null).statusCode(), "another key");
      assertEquals(404, send(node, "GET", "/v1/responses/" + secondId + "/input_items", other, null).statusCode());
      HttpResponse<String> foreignChain = send(node, "POST", "/v1/responses", other,
          "{\"model\":\"gpt\",\"previous_response_id\":\"" + secondId + "\",\"input\":\"And mine?\"}");
      assertEquals(404, foreignChain.statusCode(), foreignChain.body());
      assertEquals(404, send(node, "DELETE", "/v1/responses/" + secondId, other, null).statusCode());
    }
    assertEquals(200, send(c, "DELETE", "/v1/responses/" + secondId, owner, null).statusCode());
    assertEquals(404, send(b, "GET", "/v1/responses/" + secondId, owner, null).statusCode(), "deleted on C, gone on B");
  }

  @Test
  void expiredResponsesNobodyAsksFor_areSweptByTheClustersSweeper_evenAfterTheNodeRunningItCrashed() {
    cluster.start(3, config("switchboard.responses.sweep-interval = 300ms"));
    List<ShardedResponseStore> stores = nodes.stream().map(ResponseStoreClusterTest::store).toList();
    Instant longAgo = Clock.systemUTC().instant().minus(Duration.ofDays(31)); // past the 30 days' retention
    StoredResponse young = response("resp_sweep_young", "key_owner");
    await(stores.get(1).put(young));
    await(stores.get(1).put(response("resp_sweep_old_1", "key_owner", longAgo)));
    // Nobody reads it: only the sweep, from whichever node runs it, can remove it.
    cluster.awaitTrue(() -> onlyTombstoneLeft("resp_sweep_old_1"),
        Duration.ofSeconds(30), "the expired response swept, only its tombstone left");

    ClusterNode sweeping = oldest(); // the Cluster Singleton lives on the oldest member
    cluster.crash(sweeping);
    cluster.awaitTrue(() -> nodes.stream().allMatch(n -> n.isUpWith(2)), Duration.ofSeconds(60), "the crashed node downed");
    ShardedResponseStore onSurvivor = store(nodes.get(0));
    // Downed is not yet served: the crashed node's shards (and perhaps their coordinator) move to a
    // survivor first, which on a loaded machine can outlast one ask. Wait until the entity answers.
    cluster.awaitTrue(() -> answers(onSurvivor, "resp_sweep_old_2"), Duration.ofSeconds(60),
        "the response's shard served again on a survivor");
    await(onSurvivor.put(response("resp_sweep_old_2", "key_owner", longAgo)));
    cluster.awaitTrue(() -> onlyTombstoneLeft("resp_sweep_old_2"),
        Duration.ofSeconds(60), "swept by the sweeper now running on a survivor");
    assertEquals(Optional.of(young), await(onSurvivor.get(young.id(), "key_owner")), "the young one is kept");
  }

  /** The member that joined first, of those still running. */
  private ClusterNode oldest() {
    return nodes.stream().reduce((x, y) -> Cluster.get(x.system).selfMember().isOlderThan(
        Cluster.get(y.system).selfMember()) ? x : y).orElseThrow();
  }

  /** Whether the tables hold the content of {@code responseId}: none once removed, but its tombstone. */
  private static boolean onlyTombstoneLeft(String responseId) {
    return rowsHolding(responseId, "question " + responseId) == 0 && rowsHolding(responseId, "EXPIRED") > 0;
  }

  /** Rows of the journal and the snapshot table of {@code responseId} whose payload contains {@code text}. */
  private static int rowsHolding(String responseId, String text) {
    int rows = 0;
    try (Connection connection = DriverManager.getConnection(postgres.url(), PostgresExtension.USER,
        postgres.env().get(PostgresExtension.PASSWORD_ENV))) {
      for (String sql : new String[] {
          "SELECT event_payload FROM event_journal WHERE persistence_id = ?",
          "SELECT snapshot_payload FROM snapshot WHERE persistence_id = ?"}) {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
          query.setString(1, ResponseEntity.persistenceId(responseId).id());
          try (ResultSet payloads = query.executeQuery()) {
            while (payloads.next()) {
              if (new String(payloads.getBytes(1), StandardCharsets.UTF_8).contains(text)) rows++;
            }
          }
        }
      }
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
    return rows;
  }

  /** Creates an API key through {@code node}'s admin routes; its secret. */
  private String createKey(ClusterNode node, String name) throws Exception {
    HttpResponse<String> created = cluster.http().send(HttpRequest.newBuilder(node.uri("/admin/keys"))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + ClusterNode.ADMIN_KEY)
        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, created.statusCode(), created.body());
    return JSON.readTree(created.body()).path("key").asText();
  }

  private HttpResponse<String> send(ClusterNode node, String method, String path, String key, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + key);
    if (body != null) request.header("Content-Type", "application/json");
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    try {
      return cluster.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(method + " " + path, e);
    }
  }

  /** Whether {@code id}'s entity answers a read within 5 s, whatever it holds. */
  private static boolean answers(ShardedResponseStore store, String id) {
    try {
      store.get(id, "key_owner").toCompletableFuture().get(5, TimeUnit.SECONDS);
      return true;
    } catch (Exception notYet) {
      return false;
    }
  }

  private static boolean found(ShardedResponseStore store, String id) {
    try {
      return store.get(id, "key_owner").toCompletableFuture().get(5, TimeUnit.SECONDS).isPresent();
    } catch (Exception notYet) {
      return false;
    }
  }

  private static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
