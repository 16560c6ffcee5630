package io.switchboard.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.ManualClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The request path's side of key admission, through the single-node registry: a permit settles its
 * reservation exactly once, a refusal fails with the key's reason, and a revoked key's actor is stopped.
 */
@Tag("unit")
class KeyAdmissionTest {
  // Made per run of the class, not once per JVM: mutation testing (PIT) runs the class again and again in
  // one JVM, and a kit shut down by the previous run would fail every later test whatever the code does.
  private static ActorTestKit testKit;
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));
  private final AtomicInteger loads = new AtomicInteger();

  @BeforeAll
  static void startKit() {
    testKit = ActorTestKit.create();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private KeyEntities entities(KeyState state) {
    ActorRef<ApiKeys.Command> registry = testKit.spawn(ApiKeys.create(id -> {
      loads.incrementAndGet();
      return CompletableFuture.completedFuture(state);
    }, clock));
    return KeyEntities.local(registry, testKit.scheduler());
  }

  private static <T> T await(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join();
  }

  private static KeyRefusedException refusal(CompletionStage<?> stage) {
    try {
      await(stage);
    } catch (CompletionException e) {
      if (e.getCause() instanceof KeyRefusedException refused) return refused;
      throw e;
    }
    throw new AssertionError("the request was admitted");
  }

  @Test
  void permit_settlesItsReservationOnce_whateverTheCallerDoes() {
    KeyAdmission admission = new KeyAdmission(entities(new KeyState(0, 0, Optional.of(BigDecimal.ONE), BigDecimal.ZERO)));
    KeyAdmission.Permit permit = await(admission.acquire("key_a", 10, new BigDecimal("0.40")));
    assertEquals(0, new BigDecimal("0.40").compareTo(await(admission.budget("key_a")).reservedUsd()));

    permit.release(10, new BigDecimal("0.30"));
    permit.release(10, new BigDecimal("0.30"));
    ApiKeyActor.Budget budget = await(admission.budget("key_a"));
    assertEquals(0, new BigDecimal("0.30").compareTo(budget.spentUsd()), "spent once, not twice");
    assertEquals(0, budget.reservedUsd().signum());
    assertEquals(0, budget.inFlight());
  }

  @Test
  void refusal_failsWithTheKeysReasonAndRetryAfter() {
    KeyAdmission admission = new KeyAdmission(entities(new KeyState(1, 0, Optional.empty(), BigDecimal.ZERO)));
    await(admission.acquire("key_a", 1, BigDecimal.ZERO));
    KeyRefusedException refused = refusal(admission.acquire("key_a", 1, BigDecimal.ZERO));
    assertEquals(ApiKeyActor.Reason.REQUESTS_PER_MINUTE, refused.reason());
    assertEquals(Optional.of(Duration.ofMinutes(1)), refused.retryAfter());
  }

  @Test
  void keyActorThatDoesNotAnswer_isRefusedAsUnavailable() {
    KeyEntities silent = new KeyEntities() {
      @Override
      public void tell(String keyId, ApiKeyActor.Command command) {}

      @Override
      public <R> CompletionStage<R> ask(String keyId, Function<ActorRef<R>, ApiKeyActor.Command> message,
          Duration timeout) {
        return CompletableFuture.failedFuture(new java.util.concurrent.TimeoutException("no answer"));
      }

      @Override
      public void forget(String keyId) {}
    };
    KeyRefusedException refused = refusal(new KeyAdmission(silent).acquire("key_a", 1, BigDecimal.ZERO));
    assertEquals(ApiKeyActor.Reason.KEY_UNAVAILABLE, refused.reason());
    assertEquals(Optional.of(Duration.ofSeconds(1)), refused.retryAfter());
    assertTrue(refused.getMessage().contains("did not answer"), refused.getMessage());
  }

  @Test
  void eachKey_hasItsOwnActor_andAForgottenKeyStartsAfreshFromItsState() {
    KeyEntities keys = entities(new KeyState(1, 0, Optional.empty(), BigDecimal.ZERO));
    KeyAdmission admission = new KeyAdmission(keys);
    await(admission.acquire("key_a", 1, BigDecimal.ZERO));
    await(admission.acquire("key/b", 1, BigDecimal.ZERO)); // another key, its own minute; odd ids are fine
    assertEquals(2, loads.get());
    refusal(admission.acquire("key_a", 1, BigDecimal.ZERO));

    keys.forget("key_a");
    keys.forget("key_never_used");
    await(admission.acquire("key_a", 1, BigDecimal.ZERO)); // a new actor: a fresh minute
    assertEquals(3, loads.get(), "the revoked key's actor was stopped, and a new one loaded its state");
    refusal(admission.acquire("key/b", 1, BigDecimal.ZERO));
  }
}
