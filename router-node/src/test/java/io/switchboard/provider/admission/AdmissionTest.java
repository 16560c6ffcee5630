package io.switchboard.provider.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.ProviderSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.ProviderActor.AdmissionResult;
import io.switchboard.provider.ProviderActor.Granted;
import io.switchboard.provider.ProviderActor.Reason;
import io.switchboard.provider.ProviderActor.Rejected;
import io.switchboard.provider.ProviderActor.Status;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UpstreamSignals;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The admission state machine alone, without an actor: each command is given the time, and the test
 * reads what it decided (replies, timers, checkpoints, log lines). Requests are named by strings.
 */
@Tag("unit")
class AdmissionTest {
  private static final String MODEL = "gpt-4o";
  private static final String NODE_A = "pekko://switchboard@10.0.0.1:25520";
  private static final String NODE_B = "pekko://switchboard@10.0.0.2:25520";
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final CallOutcome OK = new CallOutcome.Succeeded(new TokenUsage(5, 5), UpstreamSignals.NONE);
  private static final CallOutcome FAULT = new CallOutcome.Failed(true, false, UpstreamSignals.NONE, true);
  private static final String BREAKER = """
      max-in-flight = 10
      breaker { consecutive-failures = 2, reset-timeout = 5s, reset-multiplier = 2.0, max-reset-timeout = 15s }
      """;

  private long now = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();

  static ProviderSettings settings(String hocon) {
    // No headroom: the buckets' arithmetic is checked against the limits exactly.
    return SwitchboardSettings.from(ConfigFactory.parseString("switchboard.providers.p { kind = simulated\n"
            + "limits.headroom = 0\n" + hocon + "\n}").withFallback(ConfigFactory.load()).resolve(), k -> null)
        .providers().get("p");
  }

  /** Admission for {@code hocon}, started, its first checkpoint (if it has buckets) written. */
  private Admission<String> admission(String hocon) {
    Admission<String> admission = new Admission<>(settings(hocon), new InFlight(), Optional.empty(), now);
    if (admission.start(now, "new").checkpoint().isPresent()) admission.checkpointWritten(now);
    return admission;
  }

  private Decisions<String> ask(Admission<String> admission, String who, int tokens, Duration wait) {
    return admission.acquire(new Admission.Ask<>(MODEL, tokens, now + wait.toMillis(), false, who, NODE_A), now);
  }

  private Decisions<String> ask(Admission<String> admission, String who) {
    return ask(admission, who, 10, WAIT);
  }

  private Decisions<String> retry(Admission<String> admission, String who) {
    return admission.acquire(new Admission.Ask<>(MODEL, 10, now + WAIT.toMillis(), true, who, NODE_A), now);
  }

  private void advance(Duration by) {
    now += by.toMillis();
  }

  private static AdmissionResult replyTo(Decisions<String> decisions, String who) {
    List<AdmissionResult> to = decisions.replies().stream().filter(r -> r.to().equals(who))
        .map(Decisions.Reply::result).toList();
    assertEquals(1, to.size(), "one reply to " + who + ": " + decisions.replies());
    return to.get(0);
  }

  private static Granted granted(Decisions<String> decisions, String who) {
    return assertInstanceOf(Granted.class, replyTo(decisions, who));
  }

  private static Rejected rejected(Decisions<String> decisions, String who) {
    return assertInstanceOf(Rejected.class, replyTo(decisions, who));
  }

  private static long ticket(Decisions<String> queued) {
    assertTrue(queued.replies().isEmpty(), "queued, not answered: " + queued.replies());
    assertEquals(1, queued.waitTimers().size(), "a timer for the deadline: " + queued.waitTimers());
    return queued.waitTimers().keySet().iterator().next();
  }

  private static boolean logged(Decisions<String> decisions, String text) {
    return decisions.notices().stream().anyMatch(n -> n.message().contains(text));
  }

  private List<Long> prefetched(Admission<String> admission, int tokensEach, int count) {
    return admission.prefetch(MODEL, tokensEach, count, NODE_A, now).value().permitIds();
  }

  private Status status(Admission<String> admission) {
    return admission.status(now, "node").value();
  }

  // ---- slots and queue ---------------------------------------------------------------------------

  @Test
  void request_isGrantedAtOnce_whenNothingWaitsAndEverythingFits() {
    Admission<String> admission = admission("max-in-flight = 2");
    Decisions<String> decisions = ask(admission, "a");

    assertFalse(granted(decisions, "a").probe());
    assertTrue(decisions.waitTimers().isEmpty(), "no deadline timer for a request that never waited");
    assertEquals(1, status(admission).inFlight());
  }

  @Test
  void queuedRequests_areGrantedInArrivalOrder_asSlotsFree_andTheirDeadlineTimersCancelled() {
    Admission<String> admission = admission("max-in-flight = 1");
    long first = granted(ask(admission, "a"), "a").permitId();
    long b = ticket(ask(admission, "b"));
    ticket(ask(admission, "c"));

    Decisions<String> released = admission.release(first, OK, now);
    long second = granted(released, "b").permitId();
    assertEquals(1, released.replies().size(), "c still waits: " + released.replies());
    assertEquals(List.of(b), released.cancelledWaits());

    granted(admission.release(second, OK, now), "c");
  }

  @Test
  void fullQueue_isRejectedAtOnce_withRetryAfter() {
    Admission<String> admission = admission("max-in-flight = 1\nqueue.max-size = 1");
    granted(ask(admission, "a"), "a");
    ticket(ask(admission, "b"));

    Rejected rejected = rejected(ask(admission, "c"), "c");
    assertEquals(Reason.QUEUE_FULL, rejected.reason());
    assertEquals("Provider 'p' has 1 requests in flight (limit 1) and its queue of 1 is full. Retry after 1s.",
        rejected.message());
    assertEquals(Duration.ofSeconds(1), rejected.retryAfter());
  }

  @Test
  void requestThatCannotBeAdmittedBeforeItsDeadline_isRejectedOnArrival_sayingWhichLimitAndWhen() {
    Admission<String> admission = admission("limits.tokens-per-minute = 6000\ncheckpoint.allowance = 1.0");
    granted(ask(admission, "a", 6000, WAIT), "a");

    Rejected rejected = rejected(ask(admission, "b", 3000, Duration.ofSeconds(5)), "b");
    assertEquals(Reason.DEADLINE_UNREACHABLE, rejected.reason());
    assertEquals(Duration.ofSeconds(30), rejected.retryAfter(), "3000 tokens refill in 30 s at 6000 per minute");
    assertEquals("Provider 'p' rate limit reached (tokens per minute 6000, 0 left). The request could be admitted"
        + " in 30000 ms, but may wait only 5000 ms. Retry after 30s.", rejected.message());
  }

  @Test
  void requestHeldBackBySlotsUntilItsDeadline_isRejected_sayingHowBusyTheProviderIs() {
    Admission<String> admission = admission("max-in-flight = 1");
    granted(ask(admission, "a"), "a");
    long b = ticket(ask(admission, "b", 10, Duration.ofSeconds(2)));

    advance(Duration.ofSeconds(2));
    Rejected rejected = rejected(admission.expire(b, now), "b");
    assertEquals(Reason.QUEUE_TIMEOUT, rejected.reason());
    assertEquals("Waited until this request's deadline for provider 'p' (1 of 1 slots busy, 0 requests still"
        + " queued) without being admitted. Retry after 1s.", rejected.message());
    assertEquals(0, status(admission).queued());
  }

  @Test
  void requestHeldBackByALimitUntilItsDeadline_hearsWhichLimitAndWhenItWouldFit() {
    Admission<String> admission = admission("limits.requests-per-minute = 60\ncheckpoint.allowance = 1.0");
    long last = 0;
    for (int i = 0; i < 60; i++) last = granted(ask(admission, "r" + i), "r" + i).permitId();
    Decisions<String> queued = ask(admission, "late", 10, Duration.ofMillis(1_500));
    long late = ticket(queued);
    assertEquals(1_000, queued.wakeIn().orElseThrow(), "a wake-up when the bucket holds one request again");
    // Then the upstream asks for a 5 s pause.
    admission.release(last, new CallOutcome.Failed(false, true, UpstreamSignals.pause(5_000)), now);

    advance(Duration.ofMillis(1_500));
    Rejected rejected = rejected(admission.expire(late, now), "late");
    assertEquals(Reason.QUEUE_TIMEOUT, rejected.reason());
    assertTrue(rejected.message().startsWith("Provider 'p' rate limit reached (the provider asked for a pause;"
        + " requests per minute 60, "), rejected.message());
    assertEquals(Duration.ofMillis(3_500), rejected.retryAfter());
  }

  @Test
  void requestThatFitsAtItsDeadline_isAdmittedThen_ratherThanRejected() {
    Admission<String> admission = admission("limits.requests-per-minute = 60\ncheckpoint.allowance = 1.0");
    for (int i = 0; i < 60; i++) granted(ask(admission, "r" + i), "r" + i);
    admission.checkpointWritten(now); // the checkpoint started on the way is saved: allowance is left
    long late = ticket(ask(admission, "late", 10, Duration.ofSeconds(1)));

    // The deadline arrives before the wake-up due at the same moment.
    advance(Duration.ofSeconds(1));
    granted(admission.expire(late, now), "late");
  }

  @Test
  void requestQueuedAndAdmittedByTheSameCommand_leavesNoDeadlineTimerBehind() {
    Admission<String> admission = admission("limits.requests-per-minute = 60\ncheckpoint.allowance = 1.0");
    for (int i = 0; i < 60; i++) granted(ask(admission, "r" + i), "r" + i);
    admission.checkpointWritten(now);
    long head = ticket(ask(admission, "head"));

    // Two requests' worth refilled, the wake-up not yet delivered: the next arrival queues behind the
    // head, and both go at once.
    advance(Duration.ofSeconds(2));
    Decisions<String> next = ask(admission, "next");
    granted(next, "head");
    granted(next, "next");
    assertEquals(Map.of(), next.waitTimers(), "no timer started for a request that no longer waits");
    assertEquals(List.of(head), next.cancelledWaits());
  }

  @Test
  void strictFifo_aRequestThatWouldFitWaitsBehindTheOneAhead() {
    Admission<String> admission = admission("limits.tokens-per-minute = 1000\ncheckpoint.allowance = 1.0");
    granted(ask(admission, "big", 900, WAIT), "big");
    ticket(ask(admission, "next", 500, Duration.ofMinutes(1)));

    assertTrue(ask(admission, "small", 50, Duration.ofMinutes(1)).replies().isEmpty(), "100 tokens left, yet it waits");
    assertEquals(List.of(), prefetched(admission, 50, 1), "nor does a prefetch overtake");
  }

  // ---- the upstream's pause, leases, nodes leaving -----------------------------------------------

  @Test
  void upstream429WithoutRetryAfter_pausesAdmissionForOneSecond() {
    Admission<String> admission = admission("max-in-flight = 10");
    long permit = granted(ask(admission, "a"), "a").permitId();
    Decisions<String> released =
        admission.release(permit, new CallOutcome.Failed(false, true, UpstreamSignals.NONE), now);
    assertTrue(logged(released, "paused for 1000 ms until"), released.notices().toString());
    assertTrue(logged(released, "at the upstream's request"), released.notices().toString());

    Decisions<String> queued = ask(admission, "b");
    ticket(queued);
    assertEquals(1_000, queued.wakeIn().orElseThrow());
    advance(Duration.ofMillis(999));
    assertTrue(admission.wake(now).replies().isEmpty());
    advance(Duration.ofMillis(1));
    granted(admission.wake(now), "b");
  }

  @Test
  void leaseNeverReleased_freesItsSlotWhenItRunsOut() {
    Admission<String> admission = admission("max-in-flight = 1\npermit-lease = 40s");
    long permit = granted(ask(admission, "a"), "a").permitId();
    ticket(ask(admission, "b", 10, Duration.ofMinutes(2)));

    advance(Duration.ofSeconds(39));
    assertTrue(admission.sweepLeases(now).replies().isEmpty());
    advance(Duration.ofSeconds(1));
    Decisions<String> swept = admission.sweepLeases(now);
    granted(swept, "b");
    assertTrue(logged(swept, "permit " + permit + " was not released within PT40S"), swept.notices().toString());
  }

  @Test
  void nodeLeavingTheCluster_freesTheSlotsOfThePermitsItHeld_only() {
    Admission<String> admission = admission("max-in-flight = 2");
    granted(ask(admission, "a"), "a");
    granted(admission.acquire(new Admission.Ask<>(MODEL, 10, now + WAIT.toMillis(), false, "b", NODE_B), now), "b");
    ticket(ask(admission, "c"));

    Decisions<String> gone = admission.memberGone(NODE_B, now);
    granted(gone, "c");
    assertTrue(logged(gone, "node " + NODE_B + " left the cluster holding 1 permit(s)"), gone.notices().toString());
    assertEquals(2, status(admission).inFlight(), "a's permit and c's");
  }

  // ---- circuit breaker and retry budget ----------------------------------------------------------

  @Test
  void breakerOpening_rejectsTheQueuedRequestsAtOnce_thenRefusesNewOnes() {
    Admission<String> admission = admission(BREAKER.replace("max-in-flight = 10", "max-in-flight = 2"));
    admission.release(granted(ask(admission, "a"), "a").permitId(), FAULT, now);
    long b = granted(ask(admission, "b"), "b").permitId();
    granted(ask(admission, "c"), "c");
    long queued = ticket(ask(admission, "q"));
    // The second failure in a row opens the breaker before b's slot could go to q.
    Decisions<String> opened = admission.release(b, FAULT, now);

    Rejected flushed = rejected(opened, "q");
    assertEquals(Reason.CIRCUIT_OPEN, flushed.reason());
    assertEquals("Provider 'p' started failing while this request waited, and its circuit breaker opened."
        + " Retry after 5s.", flushed.message());
    assertEquals(List.of(queued), opened.cancelledWaits());
    assertEquals(5_000, opened.breakerTickIn().orElseThrow(), "a timer for the move to half-open");
    assertTrue(logged(opened, "circuit breaker CLOSED -> OPEN"), opened.notices().toString());

    Rejected refused = rejected(ask(admission, "new"), "new");
    assertEquals(Reason.CIRCUIT_OPEN, refused.reason());
    assertEquals("Provider 'p' is failing and its circuit breaker is open. Retry after 5s.", refused.message());
    assertEquals(Duration.ofSeconds(5), refused.retryAfter());
  }

  @Test
  void halfOpenBreaker_letsExactlyOneProbeThrough_andItsSuccessCloses() {
    Admission<String> admission = admission(BREAKER);
    admission.release(granted(ask(admission, "a"), "a").permitId(), FAULT, now);
    admission.release(granted(ask(admission, "b"), "b").permitId(), FAULT, now);
    advance(Duration.ofSeconds(5));
    assertTrue(logged(admission.breakerTick(now), "circuit breaker OPEN -> HALF_OPEN"));

    Granted probe = granted(ask(admission, "probe"), "probe");
    assertTrue(probe.probe());
    assertEquals(Reason.CIRCUIT_OPEN, rejected(ask(admission, "other"), "other").reason(), "one probe at a time");
    admission.release(probe.permitId(), OK, now);

    assertFalse(granted(ask(admission, "after"), "after").probe());
    Status status = status(admission);
    assertEquals("closed", status.breaker());
    assertEquals(Map.of("open", 1L, "half_open", 1L, "closed", 1L), status.breakerTransitions());
  }

  @Test
  void probeThatNeverReachedTheUpstream_letsAnotherProbeGo() {
    Admission<String> admission = admission(BREAKER);
    admission.release(granted(ask(admission, "a"), "a").permitId(), FAULT, now);
    admission.release(granted(ask(admission, "b"), "b").permitId(), FAULT, now);
    advance(Duration.ofSeconds(5));
    Granted probe = granted(ask(admission, "probe"), "probe");

    admission.release(probe.permitId(), CallOutcome.NOT_SENT, now);
    assertTrue(granted(ask(admission, "next"), "next").probe());
  }

  @Test
  void retries_beyondTheBudget_areRefused_whileFirstAttemptsStillGo() {
    Admission<String> admission = admission("""
        max-in-flight = 100
        retries.budget { ratio = 0.2, min-per-second = 0, window = 10s }
        """);
    for (int i = 0; i < 10; i++) granted(ask(admission, "r" + i), "r" + i);
    granted(retry(admission, "retry1"), "retry1");
    granted(retry(admission, "retry2"), "retry2");

    Rejected refused = rejected(retry(admission, "retry3"), "retry3");
    assertEquals(Reason.RETRY_BUDGET_EXHAUSTED, refused.reason());
    assertEquals("Provider 'p' has used its retry budget (0.2 of requests); this retry is not made.",
        refused.message());
    granted(ask(admission, "first"), "first");
  }

  // ---- prefetch ----------------------------------------------------------------------------------

  @Test
  void prefetch_grantsOnlyAsManyAsAreAdmissibleNow_andNeverQueues() {
    Admission<String> admission = admission("max-in-flight = 3");
    List<Long> ids = prefetched(admission, 10, 5);
    assertEquals(3, ids.size(), "three slots, three permits");
    assertEquals(List.of(), prefetched(admission, 10, 1));
    assertEquals(0, status(admission).queued());

    ticket(ask(admission, "a"));
    granted(admission.release(ids.get(0), CallOutcome.NOT_SENT, now), "a");
  }

  @Test
  void prefetch_grantsNothingWhileTheBreakerIsNotClosed() {
    Admission<String> admission = admission(BREAKER);
    admission.release(granted(ask(admission, "a"), "a").permitId(), FAULT, now);
    admission.release(granted(ask(admission, "b"), "b").permitId(), FAULT, now);
    assertEquals(List.of(), prefetched(admission, 10, 1), "open");

    advance(Duration.ofSeconds(5));
    assertEquals(List.of(), prefetched(admission, 10, 1), "half-open: its probe is asked for");
    assertTrue(granted(ask(admission, "probe"), "probe").probe(), "the probe was not used up by the prefetch");
  }

  // ---- checkpoints -------------------------------------------------------------------------------

  @Test
  void bucketsStartWithNoAllowance_theFirstGrantWaitsForTheFirstCheckpoint() {
    Admission<String> admission = new Admission<>(settings("limits.requests-per-minute = 100"), new InFlight(),
        Optional.empty(), now);
    assertTrue(admission.start(now, "new").checkpoint().isPresent(), "written at once");

    ticket(ask(admission, "a"));
    granted(admission.checkpointWritten(now), "a");
  }

  @Test
  void allowanceSpent_holdsGrantsUntilTheNextCheckpointIsWritten_andAFailedOneIsRetried() {
    // 100 a minute, a quarter of it spendable between two checkpoints.
    Admission<String> admission = admission("limits.requests-per-minute = 100\ncheckpoint.allowance = 0.25");
    Optional<?> decided = Optional.empty();
    for (int i = 0; i < 25; i++) {
      Decisions<String> d = ask(admission, "r" + i);
      granted(d, "r" + i);
      if (d.checkpoint().isPresent()) decided = d.checkpoint();
    }
    assertTrue(decided.isPresent(), "a checkpoint was started once half the allowance was spent");
    Decisions<String> failed = admission.checkpointFailed("java.sql.SQLException: connection refused");
    assertEquals(Decisions.Level.ERROR, failed.notices().get(0).level());
    assertTrue(admission.checkpointDue(now).checkpoint().isPresent(), "the failed checkpoint is tried again");

    ticket(ask(admission, "held"));
    granted(admission.checkpointWritten(now), "held");
  }

  @Test
  void checkpoint_recordsEachBucketLessItsAllowance_andTheBreaker() {
    Admission<String> admission = new Admission<>(settings("limits.requests-per-minute = 100"), new InFlight(),
        Optional.empty(), now);
    Decisions<String> started = admission.start(now, "new");

    var saved = started.checkpoint().orElseThrow();
    assertEquals(75, saved.limits().buckets().get(0).state().level(), 0.001, "100 less the 25 allowance");
    assertEquals("CLOSED", saved.breaker().state().name());
    assertEquals(now, saved.savedAtEpochMillis());
  }

  // ---- restarts ----------------------------------------------------------------------------------

  @Test
  void abandonedAdmission_tellsEveryWaitingRequestTheProviderIsRestarting_butPermitsLiveOn() {
    InFlight inFlight = new InFlight();
    Admission<String> admission = new Admission<>(settings("max-in-flight = 1"), inFlight, Optional.empty(), now);
    admission.start(now, "new");
    long running = granted(ask(admission, "a"), "a").permitId();
    ticket(ask(admission, "b"));

    Rejected told = rejected(admission.abandon(), "b");
    assertEquals(Reason.PROVIDER_RESTARTING, told.reason());
    assertEquals("Provider 'p' is restarting and could not admit this request. Retry after 1s.", told.message());

    Admission<String> restarted = new Admission<>(settings("max-in-flight = 1"), inFlight, Optional.empty(), now);
    restarted.start(now, "new");
    ticket(ask(restarted, "c"));
    granted(restarted.release(running, OK, now), "c");
  }

  // ---- layering ----------------------------------------------------------------------------------

  @Test
  void stateMachine_usesNoPekkoClass() throws Exception {
    Path classes = Path.of(Admission.class.getResource("Admission.class").toURI()).getParent();
    List<Path> files;
    try (Stream<Path> list = Files.list(classes)) {
      files = list.filter(f -> f.toString().endsWith(".class")).toList();
    }
    assertTrue(files.size() >= 5, "the package's classes: " + files);
    for (Path file : files) {
      // A class's constant pool names every class it uses.
      String constants = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      assertFalse(constants.contains("org/apache/pekko"), file.getFileName() + " uses Pekko");
    }
  }
}
