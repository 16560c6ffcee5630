package io.switchboard.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.ManualClock;
import io.switchboard.config.ResponseStoreSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's rules on one node, over Pekko's in-memory journal: who may read and delete a response,
 * that a removed one never comes back, retention on a manual clock, and passivation of idle entities
 * on manual scheduler time. Every message is serialized as if it crossed nodes. Durability on the real
 * databases: {@link ResponseStoreContract}.
 */
@Tag("unit")
class ResponseEntityTest {
  private static final Duration RETENTION = Duration.ofDays(30);
  private static final Duration IDLE = Duration.ofMinutes(2);
  private static final ResponseStoreSettings SETTINGS =
      new ResponseStoreSettings(RETENTION, IDLE, Duration.ofSeconds(10), Duration.ofHours(1), 50);

  @TempDir Path snapshots;

  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-06T10:00:00Z"));
  private ActorTestKit kit;
  private ManualTime manualTime;
  private ShardedResponseStore store;

  @BeforeEach
  void start() {
    Config config = ManualTime.config()
        .withFallback(ConfigFactory.parseMap(Map.of(
            "pekko.persistence.journal.plugin", "pekko.persistence.journal.inmem",
            "pekko.persistence.snapshot-store.plugin", "pekko.persistence.snapshot-store.local",
            "pekko.persistence.snapshot-store.local.dir", snapshots.toString(),
            "pekko.actor.serialize-messages", "on")))
        .withFallback(ConfigFactory.load());
    kit = ActorTestKit.create("response-entity-test", config);
    manualTime = ManualTime.get(kit.system());
    store = ShardedResponseStore.start(kit.system(), clock, SETTINGS);
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  private StoredResponse response(String id, String owner) {
    return new StoredResponse(id, owner, clock.instant().getEpochSecond(), null,
        "[{\"type\":\"message\",\"role\":\"user\",\"content\":\"hello\"}]",
        "{\"id\":\"" + id + "\",\"object\":\"response\",\"output\":[]}");
  }

  private static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void put_thenGet_givesTheResponseToItsOwner_andNothingToAnotherKey() {
    StoredResponse stored = response("resp_1", "key_a");
    await(store.put(stored));

    assertEquals(Optional.of(stored), await(store.get("resp_1", "key_a")));
    assertEquals(Optional.empty(), await(store.get("resp_1", "key_b")), "another key does not see it");
  }

  @Test
  void unknownId_isEmpty_andDeletingItSaysNothingWasDeleted() {
    assertEquals(Optional.empty(), await(store.get("resp_unknown", "key_a")));
    assertFalse(await(store.delete("resp_unknown", "key_a")));
    assertEquals(Optional.empty(), await(store.get("", "key_a")));
  }

  @Test
  void delete_byAnotherKey_leavesIt_byItsOwner_removesIt_forGood() {
    StoredResponse stored = response("resp_2", "key_a");
    await(store.put(stored));

    assertFalse(await(store.delete("resp_2", "key_b")), "another key cannot delete it");
    assertEquals(Optional.of(stored), await(store.get("resp_2", "key_a")));

    assertTrue(await(store.delete("resp_2", "key_a")));
    assertEquals(Optional.empty(), await(store.get("resp_2", "key_a")));
    assertFalse(await(store.delete("resp_2", "key_a")), "a second delete finds nothing");
    Throwable refused = failure(store.put(stored));
    assertInstanceOf(IllegalStateException.class, refused);
    assertEquals(Optional.empty(), await(store.get("resp_2", "key_a")), "a removed response is not brought back");
  }

  @Test
  void repeatedPut_ofTheSameResponse_succeeds_butAnotherUnderItsId_isRefused() {
    StoredResponse stored = response("resp_3", "key_a");
    await(store.put(stored));
    await(store.put(stored));

    assertInstanceOf(IllegalStateException.class, failure(store.put(response("resp_3", "key_b"))));
    assertEquals(Optional.of(stored), await(store.get("resp_3", "key_a")), "the first one stays");
  }

  @Test
  void retention_keepsAResponseUntilItEnds_thenItIsGone() {
    StoredResponse stored = response("resp_4", "key_a");
    await(store.put(stored));

    clock.advance(RETENTION.minusSeconds(1));
    assertEquals(Optional.of(stored), await(store.get("resp_4", "key_a")), "a second before its retention ends");

    clock.advance(Duration.ofSeconds(1));
    assertEquals(Optional.empty(), await(store.get("resp_4", "key_a")), "expired");
    assertFalse(await(store.delete("resp_4", "key_a")), "nothing left to delete");
  }

  @Test
  void expiredResponse_cannotBeDeletedOrReadByItsOwner() {
    await(store.put(response("resp_5", "key_a")));
    clock.advance(RETENTION.plusDays(1));

    assertFalse(await(store.delete("resp_5", "key_a")), "it expired first: the delete finds nothing");
    assertEquals(Optional.empty(), await(store.get("resp_5", "key_a")));
  }

  @Test
  void idleEntity_asksToBePassivated_onlyAfterPassivateAfter_andStopsWhenTold() {
    TestProbe<ActorRef<ResponseEntity.Command>> passivations = kit.createTestProbe();
    ActorRef<ResponseEntity.Command> entity = kit.spawn(
        ResponseEntity.create("resp_6", clock, SETTINGS, self -> passivations.getRef().tell(self)));
    TestProbe<ResponseEntity.PutResult> replies = kit.createTestProbe();
    entity.tell(new ResponseEntity.Put(response("resp_6", "key_a"), replies.getRef()));
    replies.expectMessage(new ResponseEntity.Kept());

    manualTime.timePasses(IDLE.minusSeconds(10));
    passivations.expectNoMessage(Duration.ofMillis(100));
    passivations.awaitAssert(Duration.ofSeconds(5), () -> {
      manualTime.timePasses(Duration.ofSeconds(10));
      assertEquals(entity, passivations.expectMessageClass(ActorRef.class, Duration.ofMillis(100)));
      return null;
    });

    entity.tell(ResponseEntity.Stop.INSTANCE);
    passivations.expectTerminated(entity, Duration.ofSeconds(5));
  }

  @Test
  void passivatedResponse_isRecovered_onItsNextUse() {
    StoredResponse stored = response("resp_7", "key_a");
    await(store.put(stored));
    // Several idle periods: the registry stops the entity, and the next get starts a fresh one.
    for (int i = 0; i < 3; i++) manualTime.timePasses(IDLE.plusSeconds(1));

    assertEquals(Optional.of(stored), await(store.get("resp_7", "key_a")));
    assertTrue(await(store.delete("resp_7", "key_a")));
    for (int i = 0; i < 3; i++) manualTime.timePasses(IDLE.plusSeconds(1));
    assertEquals(Optional.empty(), await(store.get("resp_7", "key_a")), "recovered as removed");
  }

  @Test
  void sweep_removesAnExpiredResponseWhoeverOwnsIt_andKeepsAYoungerOne() {
    StoredResponse old = response("resp_8", "key_a");
    await(store.put(old));
    clock.advance(RETENTION.minusDays(1));
    StoredResponse young = response("resp_9", "key_b");
    await(store.put(young));
    clock.advance(Duration.ofDays(1));

    assertFalse(await(store.sweep("resp_9")), "29 days left: kept");
    assertTrue(await(store.sweep("resp_8")), "expired: removed by the sweep, with no owner named");
    assertFalse(await(store.sweep("resp_8")), "already removed");
    assertFalse(await(store.sweep("resp_unknown")));
    assertEquals(Optional.empty(), await(store.get("resp_8", "key_a")));
    assertEquals(Optional.of(young), await(store.get("resp_9", "key_b")));
  }

  @Test
  void entityWokenOnlyForASweep_asksToBePassivatedAtOnce_butOneInUseStays() {
    TestProbe<ActorRef<ResponseEntity.Command>> passivations = kit.createTestProbe();
    TestProbe<ResponseEntity.Swept> swept = kit.createTestProbe();
    ActorRef<ResponseEntity.Command> inUse = kit.spawn(
        ResponseEntity.create("resp_10", clock, SETTINGS, self -> passivations.getRef().tell(self)));
    TestProbe<ResponseEntity.PutResult> replies = kit.createTestProbe();
    inUse.tell(new ResponseEntity.Put(response("resp_10", "key_a"), replies.getRef()));
    replies.expectMessage(new ResponseEntity.Kept());
    inUse.tell(new ResponseEntity.Sweep(swept.getRef()));
    swept.expectMessage(new ResponseEntity.Swept(false));
    passivations.expectNoMessage(Duration.ofMillis(100));
    inUse.tell(ResponseEntity.Stop.INSTANCE);
    passivations.expectTerminated(inUse, Duration.ofSeconds(5));

    ActorRef<ResponseEntity.Command> woken = kit.spawn(
        ResponseEntity.create("resp_10", clock, SETTINGS, self -> passivations.getRef().tell(self)));
    woken.tell(new ResponseEntity.Sweep(swept.getRef()));
    swept.expectMessage(new ResponseEntity.Swept(false));
    assertEquals(woken, passivations.expectMessageClass(ActorRef.class, Duration.ofSeconds(5)),
        "recovered only for the sweep: leaves memory without waiting for passivate-after");
  }

  private static Throwable failure(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure");
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
