package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.ManualClock;
import io.switchboard.config.ProviderSettings;
import io.switchboard.config.SwitchboardSettings;
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
import java.util.ArrayList;
import java.util.List;
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
 * Admission at one provider: slots, the FIFO queue and its deadlines, token buckets by requests and
 * tokens, settlement, the upstream's pauses and learned limits, and leases. Time is driven by hand
 * (ManualTime for timers, a manual clock for the buckets), so no test waits for a real timer.
 */
@Tag("unit")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderActorTest {
  static final String MODEL = "gpt-4o";
  private static final Duration LONG_WAIT = Duration.ofSeconds(30);

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder()
      .withCustomConfig(ManualTime.config().withFallback(ConfigFactory.load())).build();

  ManualTime manualTime;
  final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));

  @BeforeAll
  void manualTime() {
    manualTime = ManualTime.get(testKit.system());
  }

  static ProviderSettings settings(String hocon) {
    // No headroom: these tests check the buckets' arithmetic against the limits exactly.
    return SwitchboardSettings.from(ConfigFactory.parseString("switchboard.providers.p { kind = simulated\n"
            + "limits.headroom = 0\n" + hocon
            + "\n}").withFallback(ConfigFactory.load()).resolve(), k -> null)
        .providers().get("p");
  }

  ActorRef<ProviderActor.Command> spawn(String hocon) {
    return spawn(settings(hocon), new InMemoryStateStore<>());
  }

  ActorRef<ProviderActor.Command> spawn(ProviderSettings settings, InMemoryStateStore<ProviderState> store) {
    return testKit.spawn(ProviderActor.create(settings, store, clock));
  }

  void advance(Duration by) {
    clock.advance(by);
    manualTime.timePasses(by);
  }

  long deadline(Duration in) {
    return clock.millis() + in.toMillis();
  }

  /** Sends Acquire for {@code tokens} on behalf of a new probe, and returns the probe once the actor has it. */
  TestProbe<AdmissionResult> acquire(ActorRef<ProviderActor.Command> actor, int tokens, Duration wait) {
    TestProbe<AdmissionResult> probe = testKit.createTestProbe();
    actor.tell(new Acquire(MODEL, tokens, deadline(wait), false, probe.getRef()));
    status(actor); // the actor has seen it before the test moves time on
    return probe;
  }

  TestProbe<AdmissionResult> acquire(ActorRef<ProviderActor.Command> actor) {
    return acquire(actor, 10, LONG_WAIT);
  }

  static long granted(TestProbe<AdmissionResult> probe) {
    return probe.expectMessageClass(Granted.class).permitId();
  }

  /** Nothing arrived (checked briefly in real time: ManualTime's own check would move its clock). */
  static void expectNothing(TestProbe<AdmissionResult> probe) {
    probe.expectNoMessage(Duration.ofMillis(20));
  }

  Status status(ActorRef<ProviderActor.Command> actor) {
    TestProbe<Status> probe = testKit.createTestProbe();
    actor.tell(new GetStatus(probe.getRef()));
    return probe.expectMessageClass(Status.class);
  }

  static double level(Status status, ProviderLimits.Dimension dimension) {
    return status.buckets().stream().filter(b -> b.dimension() == dimension).findFirst().orElseThrow().level();
  }

  static CallOutcome used(int prompt, int completion) {
    return new CallOutcome.Succeeded(new TokenUsage(prompt, completion), UpstreamSignals.NONE);
  }

  // ---- slots and queue ---------------------------------------------------------------------------

  @Test
  void slots_areGrantedUpToTheLimit_thenRequestsQueueInArrivalOrder() {
    ActorRef<ProviderActor.Command> actor = spawn("max-in-flight = 2");
    long first = granted(acquire(actor));
    granted(acquire(actor));
    TestProbe<AdmissionResult> third = acquire(actor);
    TestProbe<AdmissionResult> fourth = acquire(actor);
    expectNothing(third);

    actor.tell(new Release(first, used(5, 5)));
    granted(third);
    expectNothing(fourth);
    assertEquals(2, status(actor).inFlight());
    assertEquals(1, status(actor).queued());
  }

  @Test
  void fullQueue_isRejectedAtOnce_withRetryAfter() {
    ActorRef<ProviderActor.Command> actor = spawn("max-in-flight = 1\nqueue.max-size = 1");
    granted(acquire(actor));
    acquire(actor);

    Rejected rejected = acquire(actor).expectMessageClass(Rejected.class);
    assertEquals(Reason.QUEUE_FULL, rejected.reason());
    assertTrue(rejected.message().contains("queue of 1 is full"), rejected.message());
    assertEquals(Duration.ofSeconds(1), rejected.retryAfter());
  }

  @Test
  void waitingRequest_isRejectedAtItsDeadline_andLeavesTheQueue() {
    ActorRef<ProviderActor.Command> actor = spawn("max-in-flight = 1");
    granted(acquire(actor));
    TestProbe<AdmissionResult> waiting = acquire(actor, 10, Duration.ofSeconds(2));

    advance(Duration.ofMillis(1999));
    expectNothing(waiting);
    advance(Duration.ofMillis(1));
    assertEquals(Reason.QUEUE_TIMEOUT, waiting.expectMessageClass(Rejected.class).reason());
    assertEquals(0, status(actor).queued());
  }

  @Test
  void leaseThatIsNeverReleased_freesItsSlotWhenItExpires() {
    ActorRef<ProviderActor.Command> actor = spawn("max-in-flight = 1\npermit-lease = 40s");
    granted(acquire(actor));
    TestProbe<AdmissionResult> waiting = acquire(actor, 10, Duration.ofMinutes(2));

    advance(Duration.ofSeconds(30));
    expectNothing(waiting);
    advance(Duration.ofSeconds(20));
    granted(waiting);
  }

  @Test
  void releaseOfAnUnknownPermit_changesNothing() {
    ActorRef<ProviderActor.Command> actor = spawn("max-in-flight = 1");
    granted(acquire(actor));
    actor.tell(new Release(-42, CallOutcome.NOT_SENT));
    assertEquals(1, status(actor).inFlight());
  }

  // ---- token buckets -----------------------------------------------------------------------------

  @Test
  void requestsPerMinute_admitsTheBurst_thenOneRequestPerRefill() {
    ActorRef<ProviderActor.Command> actor = spawn("limits.requests-per-minute = 60");
    for (int i = 0; i < 60; i++) granted(acquire(actor));
    TestProbe<AdmissionResult> next = acquire(actor);
    expectNothing(next);

    advance(Duration.ofMillis(999));
    expectNothing(next);
    advance(Duration.ofMillis(1));
    granted(next);
  }

  @Test
  void requestThatCannotBeAdmittedBeforeItsDeadline_isRejectedAtOnce_sayingWhichLimitAndWhen() {
    ActorRef<ProviderActor.Command> actor = spawn("limits.tokens-per-minute = 6000");
    granted(acquire(actor, 6000, LONG_WAIT));

    Rejected rejected = acquire(actor, 3000, Duration.ofSeconds(5)).expectMessageClass(Rejected.class);
    assertEquals(Reason.DEADLINE_UNREACHABLE, rejected.reason());
    assertEquals(Duration.ofSeconds(30), rejected.retryAfter(), "3000 tokens refill in 30 s at 6000 per minute");
    assertTrue(rejected.message().contains("tokens per minute 6000"), rejected.message());
    assertTrue(rejected.message().contains("Retry after 30s"), rejected.message());
  }

  @Test
  void requestHeldBackByALimitUntilItsDeadline_hearsWhichLimitAndWhenItWouldFit() {
    ActorRef<ProviderActor.Command> actor = spawn("limits.requests-per-minute = 60");
    long last = 0;
    for (int i = 0; i < 60; i++) last = granted(acquire(actor));
    // Admissible in 1 s and allowed 1.5 s, it queues; then the upstream asks for a 5 s pause.
    TestProbe<AdmissionResult> waiting = acquire(actor, 10, Duration.ofMillis(1_500));
    actor.tell(new Release(last, new CallOutcome.Failed(false, true, UpstreamSignals.pause(5_000))));
    status(actor); // handled before time moves on
    advance(Duration.ofMillis(1_500));

    Rejected rejected = waiting.expectMessageClass(Rejected.class);
    assertEquals(Reason.QUEUE_TIMEOUT, rejected.reason());
    assertTrue(rejected.message().contains("the provider asked for a pause"), rejected.message());
    assertTrue(rejected.message().contains("requests per minute 60"), rejected.message());
    assertEquals(Duration.ofMillis(3_500), rejected.retryAfter());
  }

  @Test
  void tokensPerMinute_underThreeTimesTheLoad_neverAdmitsMoreThanTheLimitInAnyWindow() {
    ActorRef<ProviderActor.Command> actor = spawn("""
        max-in-flight = 1000
        limits.tokens-per-minute = 12000
        """);
    TestProbe<AdmissionResult> replies = testKit.createTestProbe();
    int seconds = 180;
    int[] admittedIn = new int[seconds];
    int before = 0;
    for (int second = 0; second < seconds; second++) {
      // Three times the limit: 600 tokens a second asked for, in three requests of 200.
      for (int i = 0; i < 3; i++) actor.tell(new Acquire(MODEL, 200, deadline(Duration.ofMinutes(10)), false, replies.getRef()));
      int now = status(actor).inFlight();
      admittedIn[second] = now - before;
      before = now;
      advance(Duration.ofSeconds(1));
    }
    // The provider's limit as it documents it: 12,000 tokens, refilling 200 a second. Whatever window
    // one looks at, the gateway admitted no more than that.
    for (int from = 0; from < seconds; from++) {
      int tokens = 0;
      for (int to = from; to < seconds; to++) {
        tokens += admittedIn[to] * 200;
        assertTrue(tokens <= 12_000 + 200 * (to - from + 1),
            "seconds " + from + ".." + to + ": " + tokens + " tokens admitted, over the limit");
      }
    }
    int admitted = before;
    assertTrue(admitted >= 60 + seconds - 1 - 3, "capacity is used as it refills: " + admitted + " admitted");
  }

  @Test
  void settlement_refundsUnusedTokens_andChargesAnOverrun() {
    ActorRef<ProviderActor.Command> actor = spawn("limits.tokens-per-minute = 1000");
    long permit = granted(acquire(actor, 600, LONG_WAIT));
    assertEquals(400, level(status(actor), ProviderLimits.Dimension.TOKENS), 0.5);

    actor.tell(new Release(permit, used(100, 50)));
    assertEquals(850, level(status(actor), ProviderLimits.Dimension.TOKENS), 0.5);

    long overrun = granted(acquire(actor, 100, LONG_WAIT));
    actor.tell(new Release(overrun, used(200, 100)));
    assertEquals(550, level(status(actor), ProviderLimits.Dimension.TOKENS), 0.5);
  }

  @Test
  void callThatNeverReachedTheUpstream_isRefundedInFull_requestIncluded() {
    ActorRef<ProviderActor.Command> actor = spawn("limits { requests-per-minute = 10, tokens-per-minute = 1000 }");
    long permit = granted(acquire(actor, 600, LONG_WAIT));
    actor.tell(new Release(permit, CallOutcome.NOT_SENT));

    Status status = status(actor);
    assertEquals(10, level(status, ProviderLimits.Dimension.REQUESTS), 0.5);
    assertEquals(1000, level(status, ProviderLimits.Dimension.TOKENS), 0.5);
  }

  @Test
  void modelLimits_applyOnTopOfTheProviders() {
    ActorRef<ProviderActor.Command> actor = spawn("""
        limits.requests-per-minute = 100
        limits.models { "gpt-4o" { requests-per-minute = 2 } }
        """);
    granted(acquire(actor));
    granted(acquire(actor));
    TestProbe<AdmissionResult> third = acquire(actor);
    expectNothing(third);

    TestProbe<AdmissionResult> other = testKit.createTestProbe();
    actor.tell(new Acquire("gpt-4o-mini", 10, deadline(LONG_WAIT), false, other.getRef()));
    // Strict FIFO: a request for another model waits behind the queued one rather than overtaking it.
    expectNothing(other);
    advance(Duration.ofSeconds(30));
    granted(third);
    granted(other);
  }

  // ---- reservations no limit can hold ------------------------------------------------------------

  @Test
  void reservationLargerThanTheTokenBucket_isRejectedTooLargeAtOnce_andTheRequestsAroundItAreServed() {
    ActorRef<ProviderActor.Command> actor = spawn("max-in-flight = 1\nlimits.tokens-per-minute = 30000");
    long holder = granted(acquire(actor));
    TestProbe<AdmissionResult> queued = acquire(actor);
    // 30,001 never fits; MAX_VALUE is max_tokens 2147483647; the negative one is what int overflow made of it.
    for (int tokens : new int[] {30_001, Integer.MAX_VALUE, -2_147_483_583}) {
      Rejected rejected = acquire(actor, tokens, LONG_WAIT).expectMessageClass(Rejected.class);
      assertEquals(Reason.TOO_LARGE, rejected.reason());
      assertTrue(rejected.message().contains("max_tokens"), rejected.message());
      if (tokens > 0) assertTrue(rejected.message().contains("30000 tokens per minute"), rejected.message());
    }

    Status status = status(actor);
    assertEquals(1, status.queued(), "the queued request is still waiting, not turned away by a restart");
    assertEquals(29_990, level(status, ProviderLimits.Dimension.TOKENS), 0.5, "nothing was taken for them");
    actor.tell(new Release(holder, used(5, 5)));
    granted(queued);
  }

  @Test
  void reservationOfTheWholeBucket_isStillAdmitted() {
    ActorRef<ProviderActor.Command> actor = spawn("limits.tokens-per-minute = 30000");
    granted(acquire(actor, 30_000, LONG_WAIT));
  }

  @Test
  void settlementWithAbsurdReportedUsage_neitherCrashesNorChargesMoreThanOneBucket() {
    ActorRef<ProviderActor.Command> actor = spawn("limits.tokens-per-minute = 1000");
    // A usage of MIN_VALUE made the refund MIN_VALUE, whose negation is still negative: the actor crashed.
    long nothingReserved = granted(acquire(actor, 0, LONG_WAIT));
    actor.tell(new Release(nothingReserved, used(Integer.MIN_VALUE, 0)));
    assertEquals(1000, level(status(actor), ProviderLimits.Dimension.TOKENS), 0.5);

    long permit = granted(acquire(actor, 100, LONG_WAIT));
    actor.tell(new Release(permit, used(Integer.MAX_VALUE, Integer.MAX_VALUE)));
    assertEquals(-100, level(status(actor), ProviderLimits.Dimension.TOKENS), 0.5,
        "the overrun costs one bucket, not billions of tokens");
    TestProbe<AdmissionResult> next = acquire(actor, 10, Duration.ofMinutes(2));
    advance(Duration.ofMillis(6_600));
    granted(next);
  }

  // ---- the upstream's own signals ----------------------------------------------------------------

  @Test
  void upstream429_pausesAdmissionForItsRetryAfter() {
    ActorRef<ProviderActor.Command> actor = spawn("max-in-flight = 10");
    long permit = granted(acquire(actor));
    actor.tell(new Release(permit, new CallOutcome.Failed(false, true, UpstreamSignals.pause(2_000))));

    TestProbe<AdmissionResult> next = acquire(actor);
    expectNothing(next);
    assertTrue(status(actor).pausedUntilEpochMillis() > clock.millis());
    advance(Duration.ofMillis(2_000));
    granted(next);
  }

  @Test
  void upstream429WithoutRetryAfter_pausesForTheDefaultSecond() {
    ActorRef<ProviderActor.Command> actor = spawn("max-in-flight = 10");
    long permit = granted(acquire(actor));
    actor.tell(new Release(permit, new CallOutcome.Failed(false, true, UpstreamSignals.NONE)));

    TestProbe<AdmissionResult> next = acquire(actor);
    assertEquals(1_000, status(actor).pauseRemainingMillis());
    advance(Duration.ofMillis(999));
    expectNothing(next);
    advance(Duration.ofMillis(1));
    granted(next);
  }

  @Test
  void upstreamPauseLongerThanMaxPause_isCappedAtIt() {
    ActorRef<ProviderActor.Command> actor = spawn("limits.max-pause = 10s");
    long permit = granted(acquire(actor));
    actor.tell(new Release(permit, new CallOutcome.Failed(false, true, UpstreamSignals.pause(99_999_999_000L))));

    Status status = status(actor);
    assertEquals(10_000, status.pauseRemainingMillis());
    assertEquals(clock.millis() + 10_000, status.pausedUntilEpochMillis());
    TestProbe<AdmissionResult> next = acquire(actor);
    advance(Duration.ofSeconds(10));
    granted(next);
  }

  @Test
  void limitsAnnouncedByTheUpstream_areLearnedWhenConfigSetsNone() {
    ActorRef<ProviderActor.Command> actor = spawn("max-in-flight = 10");
    long permit = granted(acquire(actor));
    actor.tell(new Release(permit, new CallOutcome.Succeeded(new TokenUsage(5, 5),
        new UpstreamSignals(0, 3, 0, 1, -1))));

    Status status = status(actor);
    ProviderLimits.BucketStatus learned = status.buckets().get(0);
    assertEquals(MODEL, learned.scope());
    assertEquals(3, learned.limitPerMinute());
    assertTrue(learned.learned());
    assertEquals(1, learned.level(), 0.1, "the upstream said one request remains");

    granted(acquire(actor));
    TestProbe<AdmissionResult> waits = acquire(actor);
    expectNothing(waits);
    advance(Duration.ofSeconds(20));
    granted(waits);
  }

  @Test
  void configuredLimits_winOverAnnouncedOnes() {
    ActorRef<ProviderActor.Command> actor = spawn("limits.requests-per-minute = 100");
    long permit = granted(acquire(actor));
    actor.tell(new Release(permit, new CallOutcome.Succeeded(null, new UpstreamSignals(0, 3, 0, -1, -1))));

    Status status = status(actor);
    assertEquals(1, status.buckets().size());
    assertFalse(status.buckets().get(0).learned());
    assertEquals(100, status.buckets().get(0).limitPerMinute());
  }
}
