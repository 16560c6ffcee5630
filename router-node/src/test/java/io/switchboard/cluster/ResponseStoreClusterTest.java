package io.switchboard.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.config.ResponseStoreSettings;
import io.switchboard.persistence.PostgresExtension;
import io.switchboard.responses.ResponseEntity;
import io.switchboard.responses.ShardedResponseStore;
import io.switchboard.responses.StoredResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stored responses in a cluster of three nodes sharing one real PostgreSQL: a response written
 * through one node is read and deleted through the others, and the responses whose entities lived on
 * a node that crashed are read on a survivor, recovered from the database, still only by their owner.
 *
 * <p>Real time: cluster formation, failure detection and the split-brain resolver run on Pekko's own
 * timers (shortened here to seconds).
 */
@Tag("integration")
class ResponseStoreClusterTest {
  @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();

  /** Only for awaiting conditions; the nodes are actor systems of their own. */
  private static final ActorTestKit waiter = ActorTestKit.create("response-cluster-test-waiter");

  private final List<ClusterNode> nodes = new ArrayList<>();

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
      starting.add(CompletableFuture.supplyAsync(() -> ClusterNode.start(postgres, ports, index, "")));
    }
    for (CompletableFuture<ClusterNode> node : starting) nodes.add(node.join());
    awaitTrue(() -> nodes.stream().allMatch(n -> n.isUpWith(size)), Duration.ofSeconds(30), "all nodes Up");
  }

  /** The node's store: the shard region of stored responses, started on every node. */
  private static ShardedResponseStore store(ClusterNode node) {
    return ShardedResponseStore.start(node.system, Clock.systemUTC(),
        ResponseStoreSettings.from(node.system.settings().config()));
  }

  private static StoredResponse response(String id, String owner) {
    return new StoredResponse(id, owner, Clock.systemUTC().instant().getEpochSecond(), null,
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
    startCluster(3);
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

    a.crash();
    nodes.remove(a);
    ShardedResponseStore onB = stores.get(1);
    ShardedResponseStore onC = stores.get(2);
    // Until the crashed node is downed, its shards cannot move: asks for them time out meanwhile.
    StoredResponse first = written.stream().filter(r -> onCrashedNode.contains(r.id())).findFirst().orElseThrow();
    awaitTrue(() -> found(onB, first.id()), Duration.ofSeconds(60), "a response of the crashed node is read on B");

    for (StoredResponse r : written) {
      assertEquals(Optional.of(r), await(onB.get(r.id(), "key_owner")),
          r.id() + (onCrashedNode.contains(r.id()) ? " (its entity was on the crashed node)" : ""));
      assertEquals(Optional.empty(), await(onC.get(r.id(), "key_other")), "still not another key's");
    }
    assertFalse(await(onC.delete(first.id(), "key_other")), "another key cannot delete it");
    assertTrue(await(onC.delete(first.id(), "key_owner")), "deleted through node C");
    assertEquals(Optional.empty(), await(onB.get(first.id(), "key_owner")), "and gone on node B");
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

  /** Waits, polling on the test kit's probe, until {@code condition} holds. */
  private static void awaitTrue(BooleanSupplier condition, Duration timeout, String what) {
    waiter.createTestProbe().awaitAssert(timeout, Duration.ofMillis(200), () -> {
      assertTrue(condition.getAsBoolean(), "waiting for: " + what);
      return null;
    });
  }
}
