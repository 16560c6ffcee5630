package io.switchboard.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.ManualClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** One key's admission: its budget held exactly against reservations in flight, its RPM and TPM buckets. */
@Tag("unit")
class ApiKeyActorTest {
  // Made per run of the class, not once per JVM: mutation testing (PIT) runs the class again and again in
  // one JVM, and a kit shut down by the previous run would fail every later test whatever the code does.
  private static ActorTestKit testKit;
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));

  @BeforeAll
  static void startKit() {
    testKit = ActorTestKit.create();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private ActorRef<ApiKeyActor.Command> key(int rpm, long tpm, String budget, String spent) {
    KeyState state = new KeyState(rpm, tpm, Optional.ofNullable(budget).map(BigDecimal::new), new BigDecimal(spent));
    return testKit.spawn(ApiKeyActor.create("key_test", id -> CompletableFuture.completedFuture(state), clock));
  }

  private static ApiKeyActor.Admission acquire(ActorRef<ApiKeyActor.Command> key, long tokens, String cost) {
    TestProbe<ApiKeyActor.Admission> probe = testKit.createTestProbe();
    key.tell(new ApiKeyActor.Acquire(tokens, new BigDecimal(cost), probe.getRef()));
    return probe.expectMessageClass(ApiKeyActor.Admission.class);
  }

  private static ApiKeyActor.Budget budget(ActorRef<ApiKeyActor.Command> key) {
    TestProbe<ApiKeyActor.Budget> probe = testKit.createTestProbe();
    key.tell(new ApiKeyActor.GetBudget(probe.getRef()));
    return probe.expectMessageClass(ApiKeyActor.Budget.class);
  }

  @Test
  void budget_admitsOnlyWhatFitsBesideTheReservationsInFlight_andSettlesToTheRealCost() {
    ActorRef<ApiKeyActor.Command> key = key(0, 0, "1.00", "0");
    List<ApiKeyActor.Granted> granted = new ArrayList<>();
    for (int i = 0; i < 3; i++) granted.add((ApiKeyActor.Granted) acquire(key, 100, "0.30"));
    ApiKeyActor.Admission fourth = acquire(key, 100, "0.30");
    assertTrue(fourth instanceof ApiKeyActor.Rejected r && r.reason() == ApiKeyActor.Reason.BUDGET_EXHAUSTED, fourth.toString());
    assertEquals(0, new BigDecimal("0.90").compareTo(budget(key).reservedUsd()));

    // The first call really cost 0.10: 0.10 spent + 0.60 reserved leaves room for one more 0.30.
    key.tell(new ApiKeyActor.Release(granted.get(0).permitId(), 40, new BigDecimal("0.10")));
    assertTrue(acquire(key, 100, "0.30") instanceof ApiKeyActor.Granted);
    assertTrue(acquire(key, 100, "0.01") instanceof ApiKeyActor.Rejected);
    ApiKeyActor.Budget b = budget(key);
    assertEquals(0, new BigDecimal("0.10").compareTo(b.spentUsd()));
    assertEquals(0, new BigDecimal("0.90").compareTo(b.reservedUsd()));
    assertEquals(3, b.inFlight());
  }

  @Test
  void restartedKey_startsWithTheLedgersLastMinuteTakenFromItsRequestsPerMinute() {
    KeyState state = new KeyState(3, 0, Optional.empty(), BigDecimal.ZERO, 2, 0);
    ActorRef<ApiKeyActor.Command> key =
        testKit.spawn(ApiKeyActor.create("key_busy", id -> CompletableFuture.completedFuture(state), clock));
    assertTrue(acquire(key, 1, "0") instanceof ApiKeyActor.Granted, "one of three is left");
    ApiKeyActor.Admission refused = acquire(key, 1, "0");
    assertTrue(refused instanceof ApiKeyActor.Rejected r && r.reason() == ApiKeyActor.Reason.REQUESTS_PER_MINUTE
        && r.retryAfter().toMillis() > 0, refused.toString());
  }

  @Test
  void restartedKey_startsWithTheLedgersLastMinuteTakenFromItsTokensPerMinute_atMostDownToEmpty() {
    KeyState state = new KeyState(0, 1_000, Optional.empty(), BigDecimal.ZERO, 1, 900);
    ActorRef<ApiKeyActor.Command> key =
        testKit.spawn(ApiKeyActor.create("key_tokens", id -> CompletableFuture.completedFuture(state), clock));
    ApiKeyActor.Admission refused = acquire(key, 200, "0");
    assertTrue(refused instanceof ApiKeyActor.Rejected r && r.reason() == ApiKeyActor.Reason.TOKENS_PER_MINUTE,
        refused.toString());
    assertTrue(acquire(key, 100, "0") instanceof ApiKeyActor.Granted, "100 of 1,000 are left");

    // Far more than a minute's worth used: the bucket starts empty, not in a debt longer than a minute.
    KeyState overrun = new KeyState(0, 1_000, Optional.empty(), BigDecimal.ZERO, 1, 50_000);
    ActorRef<ApiKeyActor.Command> flooded =
        testKit.spawn(ApiKeyActor.create("key_flooded", id -> CompletableFuture.completedFuture(overrun), clock));
    ApiKeyActor.Admission wait = acquire(flooded, 100, "0");
    assertTrue(wait instanceof ApiKeyActor.Rejected r && r.retryAfter().compareTo(Duration.ofMinutes(1)) <= 0,
        wait.toString());
    clock.advance(Duration.ofSeconds(6)); // 6 s of 60 refill 100 tokens
    assertTrue(acquire(flooded, 100, "0") instanceof ApiKeyActor.Granted);
  }

  @Test
  void budget_startsFromWhatTheLedgerSaysWasSpent() {
    ActorRef<ApiKeyActor.Command> key = key(0, 0, "1.00", "0.95");
    ApiKeyActor.Admission admission = acquire(key, 10, "0.10");
    assertTrue(admission instanceof ApiKeyActor.Rejected r && r.reason() == ApiKeyActor.Reason.BUDGET_EXHAUSTED
        && r.message().contains("0.95"), admission.toString());
    assertTrue(acquire(key, 10, "0.05") instanceof ApiKeyActor.Granted);
  }

  @Test
  void requestsPerMinute_refusesBeyondTheLimit_withTheWaitUntilTheNextRequestFits() {
    ActorRef<ApiKeyActor.Command> key = key(2, 0, null, "0");
    assertTrue(acquire(key, 1, "0") instanceof ApiKeyActor.Granted);
    assertTrue(acquire(key, 1, "0") instanceof ApiKeyActor.Granted);
    ApiKeyActor.Admission third = acquire(key, 1, "0");
    assertTrue(third instanceof ApiKeyActor.Rejected r && r.reason() == ApiKeyActor.Reason.REQUESTS_PER_MINUTE
        && r.retryAfter().equals(Duration.ofSeconds(30)), third.toString());
    clock.advance(Duration.ofSeconds(30));
    assertTrue(acquire(key, 1, "0") instanceof ApiKeyActor.Granted);
  }

  @Test
  void tokensPerMinute_reservesTheEstimate_andRefundsWhatWasNotUsed() {
    ActorRef<ApiKeyActor.Command> key = key(0, 1000, null, "0");
    ApiKeyActor.Granted first = (ApiKeyActor.Granted) acquire(key, 800, "0");
    ApiKeyActor.Admission second = acquire(key, 800, "0");
    assertTrue(second instanceof ApiKeyActor.Rejected r && r.reason() == ApiKeyActor.Reason.TOKENS_PER_MINUTE
        && r.retryAfter().toMillis() > 0, second.toString());
    key.tell(new ApiKeyActor.Release(first.permitId(), 100, BigDecimal.ZERO));
    assertTrue(acquire(key, 800, "0") instanceof ApiKeyActor.Granted);
  }

  @Test
  void reservationLargerThanTheTokensPerMinute_isRefusedTooLarge_andLeavesTheMinuteWhole() {
    ActorRef<ApiKeyActor.Command> key = key(0, 1000, null, "0");
    // max_tokens 2147483647 plus a prompt: taken from a full bucket, it left a debt of decades.
    ApiKeyActor.Admission huge = acquire(key, Integer.MAX_VALUE + 100L, "0");
    assertTrue(huge instanceof ApiKeyActor.Rejected r && r.reason() == ApiKeyActor.Reason.TOO_LARGE
        && r.message().contains("max_tokens") && r.message().contains("1000 tokens per minute"), huge.toString());
    assertTrue(acquire(key, 1001, "0") instanceof ApiKeyActor.Rejected r && r.reason() == ApiKeyActor.Reason.TOO_LARGE);
    assertTrue(acquire(key, 1000, "0") instanceof ApiKeyActor.Granted, "the whole minute is still there");
  }

  @Test
  void overrunOfAbsurdSize_costsTheKeyAtMostOneMinute() {
    ActorRef<ApiKeyActor.Command> key = key(0, 1000, null, "0");
    ApiKeyActor.Granted granted = (ApiKeyActor.Granted) acquire(key, 100, "0");
    key.tell(new ApiKeyActor.Release(granted.permitId(), Long.MAX_VALUE, BigDecimal.ZERO));
    assertTrue(acquire(key, 1, "0") instanceof ApiKeyActor.Rejected, "the overrun is charged");
    clock.advance(Duration.ofMinutes(2));
    assertTrue(acquire(key, 1000, "0") instanceof ApiKeyActor.Granted, "and repaid within two minutes");
  }

  @Test
  void refusalForTheTokenLimit_givesBackTheRequestItTook() {
    ActorRef<ApiKeyActor.Command> key = key(2, 100, null, "0");
    assertTrue(acquire(key, 80, "0") instanceof ApiKeyActor.Granted);
    ApiKeyActor.Admission refused = acquire(key, 80, "0");
    assertTrue(refused instanceof ApiKeyActor.Rejected r && r.reason() == ApiKeyActor.Reason.TOKENS_PER_MINUTE,
        refused.toString());
    // Two requests a minute: the refused one did not count, so a small one still fits this minute.
    assertTrue(acquire(key, 10, "0") instanceof ApiKeyActor.Granted, "the refused request was given back");
  }

  @Test
  void usageBeyondTheReservation_isCharged_tokensAndCost() {
    ActorRef<ApiKeyActor.Command> key = key(0, 1000, "10.00", "0");
    ApiKeyActor.Granted granted = (ApiKeyActor.Granted) acquire(key, 100, "0.10");
    // The upstream ignored max_tokens: 600 tokens used, costing $0.25 against $0.10 reserved.
    key.tell(new ApiKeyActor.Release(granted.permitId(), 600, new BigDecimal("0.25")));
    assertEquals(0, new BigDecimal("0.25").compareTo(budget(key).spentUsd()), "the real cost is spent");
    assertTrue(acquire(key, 401, "0") instanceof ApiKeyActor.Rejected, "600 of 1000 tokens are gone, not 100");
    assertTrue(acquire(key, 400, "0") instanceof ApiKeyActor.Granted);
  }

  @Test
  void reservationsNeverSettled_areReleasedAfterTheirLease_soTheBudgetOpensAgain() {
    ActorRef<ApiKeyActor.Command> key = key(0, 0, "1.00", "0");
    assertTrue(acquire(key, 10, "0.60") instanceof ApiKeyActor.Granted); // its holder never releases it
    assertTrue(acquire(key, 10, "0.60") instanceof ApiKeyActor.Rejected r && r.reason() == ApiKeyActor.Reason.BUDGET_EXHAUSTED);
    clock.advance(ApiKeyActor.LEASE.plusMinutes(1));
    assertTrue(acquire(key, 10, "0.60") instanceof ApiKeyActor.Granted, "the abandoned reservation was dropped");
    assertEquals(1, budget(key).inFlight());
  }

  @Test
  void stateThatCannotBeRead_refusesAsUnavailable_insteadOfAdmittingWithoutABudget() {
    ActorRef<ApiKeyActor.Command> key = testKit.spawn(ApiKeyActor.create("key_broken",
        id -> CompletableFuture.failedFuture(new IllegalStateException("database down")), clock));
    ApiKeyActor.Admission admission = acquire(key, 1, "0");
    assertTrue(admission instanceof ApiKeyActor.Rejected r && r.reason() == ApiKeyActor.Reason.KEY_UNAVAILABLE,
        admission.toString());
  }
}
