package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.ManualClock;
import io.switchboard.config.ProviderSettings;
import io.switchboard.persistence.InMemoryStateStore;
import io.switchboard.provider.ProviderActor.Acquire;
import io.switchboard.provider.ProviderActor.AdmissionResult;
import io.switchboard.provider.ProviderActor.GetStatus;
import io.switchboard.provider.ProviderActor.Granted;
import io.switchboard.provider.ProviderActor.Reason;
import io.switchboard.provider.ProviderActor.Rejected;
import io.switchboard.provider.ProviderActor.Release;
import io.switchboard.provider.ProviderActor.Status;
import io.switchboard.ratelimit.ProviderLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a provider does when things fail: its circuit breaker (transitions, the single probe, growing
 * reset timeouts, state-change counts), its retry budget, conservative recovery of persisted buckets,
 * and supervision: an actor that crashes restarts, recovers its state, and serves the requests that
 * were waiting. Time is driven by hand.
 */
@Tag("unit")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderResilienceTest {
  private static final String MODEL = ProviderActorTest.MODEL;
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final CallOutcome FAULT = new CallOutcome.Failed(true, false, UpstreamSignals.NONE, true);
  private static final CallOutcome OK = new CallOutcome.Succeeded(new TokenUsage(5, 5), UpstreamSignals.NONE);

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder()
      .withCustomConfig(ManualTime.config().withFallback(ConfigFactory.load())).build();

  ManualTime manualTime;
  final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));

  @BeforeAll
  void manualTime() {
    manualTime = ManualTime.get(testKit.system());
  }

  ActorRef<ProviderActor.Command> spawn(ProviderSettings settings, InMemoryStateStore<ProviderState> store) {
    return testKit.spawn(ProviderActor.create(settings, store, clock));
  }

  ActorRef<ProviderActor.Command> spawn(String hocon) {
    return spawn(ProviderActorTest.settings(hocon), new InMemoryStateStore<>());
  }

  void advance(Duration by) {
    clock.advance(by);
    manualTime.timePasses(by);
  }

  TestProbe<AdmissionResult> acquire(ActorRef<ProviderActor.Command> actor, boolean retry) {
    TestProbe<AdmissionResult> probe = testKit.createTestProbe();
    actor.tell(new Acquire(MODEL, 10, clock.millis() + WAIT.toMillis(), retry, probe.getRef()));
    return probe;
  }

  Granted granted(ActorRef<ProviderActor.Command> actor) {
    return acquire(actor, false).expectMessageClass(Granted.class);
  }

  Rejected rejected(ActorRef<ProviderActor.Command> actor) {
    return acquire(actor, false).expectMessageClass(Rejected.class);
  }

  Status status(ActorRef<ProviderActor.Command> actor) {
    TestProbe<Status> probe = testKit.createTestProbe();
    actor.tell(new GetStatus(probe.getRef()));
    return probe.expectMessageClass(Status.class);
  }

  /** {@code times} calls that fail, each handed back before the next; returns once the actor has seen them. */
  void fail(ActorRef<ProviderActor.Command> actor, int times) {
    for (int i = 0; i < times; i++) actor.tell(new Release(granted(actor).permitId(), FAULT));
    status(actor);
  }

  // ---- circuit breaker ---------------------------------------------------------------------------

  private static final String BREAKER = """
      max-in-flight = 10
      breaker { consecutive-failures = 3, reset-timeout = 5s, reset-multiplier = 2.0, max-reset-timeout = 15s }
      """;

  @Test
  void breaker_opensAfterConsecutiveFailures_andRefusesWithRetryAfter() {
    ActorRef<ProviderActor.Command> actor = spawn(BREAKER);
    fail(actor, 2);
    assertEquals("closed", status(actor).breaker());
    fail(actor, 1);

    Status status = status(actor);
    assertEquals("open", status.breaker());
    assertEquals(Map.of("open", 1L), status.breakerTransitions());
    Rejected refused = rejected(actor);
    assertEquals(Reason.CIRCUIT_OPEN, refused.reason());
    assertEquals(Duration.ofSeconds(5), refused.retryAfter());
  }

  @Test
  void callsFailingWhileTheirNodeShutsDown_openNoBreaker_soTheEntitysNextHostInheritsNone() throws Exception {
    // Measured in a rolling restart: five calls cut as a node drained opened the model's breaker, which
    // the entity carried to its next node, refusing the model on every node for the reset timeout.
    ProviderSettings settings = ProviderActorTest.settings(BREAKER);
    ActorRef<ProviderActor.Command> actor = spawn(settings, new InMemoryStateStore<>());
    ProviderHandle leavingNode = new ProviderHandle(settings, actor, call -> null, testKit.system().scheduler(), clock,
        java.util.Optional.empty(), () -> true);
    CallOutcome modelFault = new CallOutcome.Failed(true, false, UpstreamSignals.NONE, false);
    for (CallOutcome failure : List.of(FAULT, modelFault, FAULT, modelFault, FAULT, modelFault)) {
      leavingNode.acquire(MODEL, 10, clock.millis() + WAIT.toMillis(), false).toCompletableFuture()
          .get(5, TimeUnit.SECONDS).release(failure);
    }
    Status status = status(actor);
    assertEquals("closed", status.breaker());
    assertTrue(status.modelBreakers().values().stream().allMatch(b -> b.state().equals("closed")),
        status.modelBreakers().toString());
    assertTrue(status.breakerTransitions().isEmpty(), "no transition at all: " + status.breakerTransitions());

    // The same failures from a node that is not leaving open the model's breaker.
    ProviderHandle servingNode = new ProviderHandle(settings, actor, call -> null, testKit.system().scheduler(), clock);
    for (int i = 0; i < 3; i++) {
      servingNode.acquire(MODEL, 10, clock.millis() + WAIT.toMillis(), false).toCompletableFuture()
          .get(5, TimeUnit.SECONDS).release(modelFault);
    }
    assertEquals("open", status(actor).modelBreakers().get(MODEL).state());
  }

  @Test
  void anUpstream429WhileTheNodeShutsDown_stillPausesTheProvider() throws Exception {
    ProviderSettings settings = ProviderActorTest.settings(BREAKER);
    ActorRef<ProviderActor.Command> actor = spawn(settings, new InMemoryStateStore<>());
    ProviderHandle leavingNode = new ProviderHandle(settings, actor, call -> null, testKit.system().scheduler(), clock,
        java.util.Optional.empty(), () -> true);
    leavingNode.acquire(MODEL, 10, clock.millis() + WAIT.toMillis(), false).toCompletableFuture()
        .get(5, TimeUnit.SECONDS).release(new CallOutcome.Failed(false, true, UpstreamSignals.pause(3_000), false));
    assertTrue(status(actor).pauseRemainingMillis() > 0, "the upstream's pause stands");
  }

  @Test
  void breaker_halfOpenLetsExactlyOneProbeThrough_andItsSuccessCloses() {
    ActorRef<ProviderActor.Command> actor = spawn(BREAKER);
    fail(actor, 3);
    advance(Duration.ofMillis(4_999));
    assertEquals(Reason.CIRCUIT_OPEN, rejected(actor).reason());
    advance(Duration.ofMillis(1));
    assertEquals("half_open", status(actor).breaker(), "the transition happens on time, without traffic");

    Granted probe = granted(actor);
    assertTrue(probe.probe());
    assertEquals(Reason.CIRCUIT_OPEN, rejected(actor).reason(), "only one probe at a time");

    actor.tell(new Release(probe.permitId(), OK));
    Status status = status(actor);
    assertEquals("closed", status.breaker());
    assertEquals(Map.of("open", 1L, "half_open", 1L, "closed", 1L), status.breakerTransitions());
    assertTrue(!granted(actor).probe());
  }

  @Test
  void breaker_failedProbeReopensForLonger_uptoTheCap() {
    ActorRef<ProviderActor.Command> actor = spawn(BREAKER);
    fail(actor, 3);
    advance(Duration.ofSeconds(5));
    fail(actor, 1);
    assertEquals("open", status(actor).breaker());
    assertEquals(Duration.ofSeconds(10), rejected(actor).retryAfter());

    advance(Duration.ofSeconds(10));
    fail(actor, 1);
    assertEquals(Duration.ofSeconds(15), rejected(actor).retryAfter(), "20 s capped at max-reset-timeout");
  }

  @Test
  void breaker_opening_sendsTheQueuedRequestsAwayAtOnce() {
    ActorRef<ProviderActor.Command> actor = spawn(BREAKER.replace("max-in-flight = 10", "max-in-flight = 3"));
    Granted a = granted(actor);
    Granted b = granted(actor);
    Granted c = granted(actor);
    TestProbe<AdmissionResult> queued = acquire(actor, false);
    actor.tell(new Release(a.permitId(), FAULT));
    actor.tell(new Release(b.permitId(), FAULT));
    // The freed slots went to the queued request; fill them again so the next one waits.
    Granted d = queued.expectMessageClass(Granted.class);
    TestProbe<AdmissionResult> queuedNext = acquire(actor, false);
    TestProbe<AdmissionResult> queuedLast = acquire(actor, false);
    queuedNext.expectMessageClass(Granted.class);
    actor.tell(new Release(c.permitId(), FAULT));

    assertEquals(Reason.CIRCUIT_OPEN, queuedLast.expectMessageClass(Rejected.class).reason());
    actor.tell(new Release(d.permitId(), OK));
    assertEquals("open", status(actor).breaker(), "a call started before the breaker opened does not close it");
  }

  @Test
  void clientErrors_andUpstreamRateLimits_doNotOpenTheBreaker() {
    ActorRef<ProviderActor.Command> actor = spawn(BREAKER);
    for (int i = 0; i < 5; i++) {
      actor.tell(new Release(granted(actor).permitId(), new CallOutcome.Failed(false, false, UpstreamSignals.NONE)));
    }
    assertEquals("closed", status(actor).breaker());
  }

  // ---- retry budget ------------------------------------------------------------------------------

  @Test
  void retries_areRefusedOnceTheyExceedTheBudget() {
    ActorRef<ProviderActor.Command> actor = spawn("""
        max-in-flight = 100
        retries.budget { ratio = 0.2, min-per-second = 0, window = 10s }
        """);
    for (int i = 0; i < 10; i++) granted(actor);
    assertTrue(acquire(actor, true).expectMessageClass(Granted.class).permitId() != 0);
    assertTrue(acquire(actor, true).expectMessageClass(Granted.class).permitId() != 0);

    Rejected refused = acquire(actor, true).expectMessageClass(Rejected.class);
    assertEquals(Reason.RETRY_BUDGET_EXHAUSTED, refused.reason());
    granted(actor);
  }

  // ---- persistence and recovery ------------------------------------------------------------------

  @Test
  void restoredBucket_assumesItsWholeAllowanceWasSpent() {
    InMemoryStateStore<ProviderState> store = new InMemoryStateStore<>();
    ProviderSettings settings = ProviderActorTest.settings("""
        max-in-flight = 100
        limits.requests-per-minute = 100
        checkpoint { interval = 1s, allowance = 0.25 }
        """);
    ActorRef<ProviderActor.Command> first = spawn(settings, store);
    for (int i = 0; i < 10; i++) granted(first);
    assertEquals(90, ProviderActorTest.level(status(first), ProviderLimits.Dimension.REQUESTS), 0.5);
    // The node dies before any further checkpoint: 10 requests went out, up to 25 could have.
    testKit.stop(first);

    ActorRef<ProviderActor.Command> second = spawn(settings, store);
    double level = ProviderActorTest.level(status(second), ProviderLimits.Dimension.REQUESTS);
    assertEquals(75, level, 0.5, "the checkpoint written before the first grant recorded 100 - 25");
  }

  @Test
  void restoredBreaker_staysOpen() {
    InMemoryStateStore<ProviderState> store = new InMemoryStateStore<>();
    ProviderSettings settings = ProviderActorTest.settings(BREAKER + "\ncheckpoint.interval = 1s");
    ActorRef<ProviderActor.Command> first = spawn(settings, store);
    fail(first, 3);
    advance(Duration.ofSeconds(1));
    status(first); // the checkpoint tick that advance() delivered is handled before the actor stops
    testKit.stop(first);

    ActorRef<ProviderActor.Command> second = spawn(settings, store);
    assertEquals("open", status(second).breaker());
    assertEquals(Reason.CIRCUIT_OPEN, rejected(second).reason());
  }

  @Test
  void crashedActor_restartsWithItsState_andServesTheRequestsThatWereWaiting() throws Exception {
    InMemoryStateStore<ProviderState> store = new InMemoryStateStore<>();
    ProviderSettings settings = ProviderActorTest.settings("""
        max-in-flight = 1
        limits.requests-per-minute = 100
        checkpoint { interval = 1s, allowance = 0.25 }
        supervision { min-backoff = 100ms, max-backoff = 100ms, random-factor = 0 }
        """);
    ActorRef<ProviderActor.Command> actor = spawn(settings, store);
    ProviderHandle handle = new ProviderHandle(settings, actor, call -> null, testKit.system().scheduler(), clock);
    Permit running = handle.acquire(MODEL, 10, clock.millis() + WAIT.toMillis(), false)
        .toCompletableFuture().get(5, TimeUnit.SECONDS);
    CompletionStage<Permit> waiting = handle.acquire(MODEL, 10, clock.millis() + WAIT.toMillis(), false);
    int savesBefore = store.saves();

    // The next checkpoint throws inside the actor: it fails and is restarted by its supervisor. "Next" is
    // the first save tried from now on, not save number savesBefore + 1: a checkpoint of the grants above
    // may finish after savesBefore was read, and then no save would crash.
    java.util.concurrent.atomic.AtomicBoolean crashed = new java.util.concurrent.atomic.AtomicBoolean();
    store.crashOnSave(n -> crashed.compareAndSet(false, true));
    advance(Duration.ofSeconds(1));
    testKit.createTestProbe().awaitAssert(() -> {
      assertTrue(store.saves() > savesBefore, "the checkpoint was tried");
      return null;
    });
    advance(Duration.ofMillis(100));

    // The running request's permit survived the restart; releasing it lets the waiting one in.
    running.release(OK);
    // On a loaded machine the supervisor may arm its 100 ms restart timer only after the time above
    // passed; then more time has to pass for it to fire. Count it, for the refill below.
    long extraMillis = 0;
    Permit served = null;
    while (served == null) {
      try {
        served = waiting.toCompletableFuture().get(500, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        if (extraMillis >= 1_000) throw new AssertionError("the waiting request was never served", e);
        advance(Duration.ofMillis(100));
        extraMillis += 100;
      }
    }
    served.release(OK);
    Status status = status(actor);
    assertEquals(0, status.inFlight());
    // Live, the bucket held about 99; the store's floor says 75 (100 less the 25 allowance), plus what
    // refilled in the 1.1 s since (and any time the restart timer needed), less the request served after.
    assertEquals(75 + 100 / 60.0 * (1.1 + extraMillis / 1000.0) - 1,
        ProviderActorTest.level(status, ProviderLimits.Dimension.REQUESTS), 0.1,
        "recovered from the store, conservatively: " + status.buckets());
  }
}
