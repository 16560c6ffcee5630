package io.switchboard.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.switchboard.JsonSerializable;
import io.switchboard.config.PersistenceSettings;
import io.switchboard.config.SwitchboardSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every store must do, whichever database is behind it: a value saved before a restart of the
 * whole actor system is loaded afterwards, the schema step can run on every start, and a save at the
 * wrong revision is refused. Subclasses name the database.
 */
abstract class StateStoreContract {
  /** The shape of what provider actors will keep: nested records, doubles, longs, enums, maps, lists. */
  enum BreakerState { CLOSED, OPEN, HALF_OPEN }

  record Limit(long requestsPerMinute, double tokensPerSecond) {}

  record Breaker(BreakerState state, long openedAtMillis, int consecutiveFailures) {}

  record ProviderSnapshot(
      String provider,
      double tokens,
      long updatedAtMillis,
      Breaker breaker,
      Map<String, Limit> learnedLimits,
      List<Double> recentLatencies,
      List<Limit> history,
      Optional<String> note) implements JsonSerializable {}

  record OtherState(String name) implements JsonSerializable {}

  record NotBound(String name) {}

  private static final long TIMEOUT_SECONDS = 30;

  private ActorTestKit testKit;

  /** An actor system configuration on this class's database. */
  abstract Config config();

  /** The environment the node's settings are read with. */
  Map<String, String> env() {
    return Map.of();
  }

  /** A persistence id no other test of this class uses, since the database outlives each test. */
  abstract String id(String name);

  static ProviderSnapshot snapshot(double tokens) {
    Map<String, Limit> limits = new LinkedHashMap<>();
    limits.put("gpt-4o", new Limit(500, 1234.5));
    limits.put("gpt-4o-mini", new Limit(30_000, 0.25));
    return new ProviderSnapshot("openai", tokens, 1_790_000_000_123L,
        new Breaker(BreakerState.HALF_OPEN, 1_790_000_000_000L, 3), limits,
        List.of(0.125, 1.5e-3, 42.0), List.of(new Limit(1, Double.MAX_VALUE)), Optional.of("learned from 429"));
  }

  ActorSystem<Void> start() {
    if (testKit != null) testKit.shutdownTestKit();
    testKit = ActorTestKit.create("state-store-test", config());
    await(Schema.create(testKit.system(), settings()));
    return testKit.system();
  }

  PersistenceSettings settings() {
    return SwitchboardSettings.from(testKit.system().settings().config(), env()::get).persistence();
  }

  @AfterEach
  void stopTheSystem() {
    if (testKit != null) testKit.shutdownTestKit();
    testKit = null;
  }

  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static Throwable failure(CompletionStage<?> stage) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    Throwable cause = e.getCause();
    while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) cause = cause.getCause();
    return cause;
  }

  @Test
  void savedState_isLoadedAfterTheWholeActorSystemRestarts() {
    String id = id("restart");
    StateStore<ProviderSnapshot> before = StateStore.jdbc(start(), ProviderSnapshot.class);
    await(before.save(id, 1, snapshot(10.0)));
    await(before.save(id, 2, snapshot(7.75)));

    StateStore<ProviderSnapshot> after = StateStore.jdbc(start(), ProviderSnapshot.class);
    Optional<StateStore.Stored<ProviderSnapshot>> loaded = await(after.load(id));

    assertEquals(Optional.of(new StateStore.Stored<>(2, snapshot(7.75))), loaded);
  }

  @Test
  void schemaCreation_runsOnEveryStart_withoutHarm() {
    ActorSystem<Void> system = start();
    await(Schema.create(system, settings()));
    await(Schema.create(system, settings()));
    StateStore<OtherState> store = StateStore.jdbc(system, OtherState.class);
    await(store.save(id("schema"), 1, new OtherState("still works")));
    assertEquals("still works", await(store.load(id("schema"))).orElseThrow().value().name());
  }

  @Test
  void nothingSaved_loadsEmpty() {
    StateStore<OtherState> store = StateStore.jdbc(start(), OtherState.class);
    assertEquals(Optional.empty(), await(store.load(id("never-saved"))));
  }

  @Test
  void staleRevision_isRefused_andTheStoredValueKept() {
    String id = id("stale");
    StateStore<OtherState> store = StateStore.jdbc(start(), OtherState.class);
    await(store.save(id, 1, new OtherState("first")));
    await(store.save(id, 2, new OtherState("second")));

    for (long revision : new long[] {1, 2, 5}) {
      Throwable error = failure(store.save(id, revision, new OtherState("lost update")));
      StaleRevisionException stale = assertInstanceOf(StaleRevisionException.class, error);
      assertEquals(revision, stale.revision());
      assertEquals(id, stale.persistenceId());
      assertTrue(stale.getMessage().contains("load it again"), stale.getMessage());
    }
    assertEquals(new StateStore.Stored<>(2, new OtherState("second")), await(store.load(id)).orElseThrow());
  }

  @Test
  void firstSave_atARevisionAboveOne_isRefused() {
    StateStore<OtherState> store = StateStore.jdbc(start(), OtherState.class);
    assertInstanceOf(StaleRevisionException.class, failure(store.save(id("skipped"), 3, new OtherState("x"))));
  }

  @Test
  void valueOfAnotherType_isReportedUnreadable_withItsRevision() {
    String id = id("other-type");
    ActorSystem<Void> system = start();
    await(StateStore.jdbc(system, OtherState.class).save(id, 1, new OtherState("not a snapshot")));

    Throwable error = failure(StateStore.jdbc(system, ProviderSnapshot.class).load(id));

    UnreadableStateException unreadable = assertInstanceOf(UnreadableStateException.class, error);
    assertEquals(1, unreadable.revision());
    assertTrue(unreadable.getMessage().contains(OtherState.class.getName()), unreadable.getMessage());
  }

  @Test
  void typeWithoutTheSerializationMarker_isRejectedUpFront() {
    ActorSystem<Void> system = start();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StateStore.jdbc(system, NotBound.class));
    assertTrue(e.getMessage().contains("JsonSerializable"), e.getMessage());
  }

  @Test
  void revisionBelowOne_isAProgrammingError() {
    StateStore<OtherState> store = StateStore.jdbc(start(), OtherState.class);
    assertThrows(IllegalArgumentException.class, () -> store.save(id("zero"), 0, new OtherState("x")));
  }
}
