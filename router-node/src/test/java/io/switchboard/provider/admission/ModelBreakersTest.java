package io.switchboard.provider.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.breaker.CircuitBreaker;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.ProviderActor.AdmissionResult;
import io.switchboard.provider.ProviderActor.Granted;
import io.switchboard.provider.ProviderActor.ModelBreaker;
import io.switchboard.provider.ProviderActor.Reason;
import io.switchboard.provider.ProviderActor.Rejected;
import io.switchboard.provider.ProviderActor.Status;
import io.switchboard.provider.ProviderState;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UpstreamSignals;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Breakers per deployment: a model's own failures (5xx, overloaded, timeouts) open its breaker and
 * leave the provider's other models serving, while transport failures open the provider's breaker for
 * all of them. The admission state machine alone, driven by explicit times.
 */
@Tag("unit")
class ModelBreakersTest {
  private static final String A = "gpt-4o";
  private static final String B = "gpt-4o-mini";
  private static final String NODE = "pekko://switchboard@10.0.0.1:25520";
  private static final CallOutcome OK = new CallOutcome.Succeeded(new TokenUsage(5, 5), UpstreamSignals.NONE);
  private static final CallOutcome MODEL_FAULT = new CallOutcome.Failed(true, false, UpstreamSignals.NONE, false);
  private static final CallOutcome TRANSPORT_FAULT = new CallOutcome.Failed(true, false, UpstreamSignals.NONE, true);
  private static final String BREAKER = """
      max-in-flight = 2
      breaker { consecutive-failures = 2, reset-timeout = 5s, reset-multiplier = 2.0, max-reset-timeout = 10s }
      """;

  private long now = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();

  private Admission<String> admission(Optional<ProviderState> restored) {
    Admission<String> admission = new Admission<>(AdmissionTest.settings(BREAKER), new InFlight(), restored, now);
    admission.start(now, "new");
    return admission;
  }

  private Decisions<String> ask(Admission<String> admission, String model, String who) {
    return admission.acquire(new Admission.Ask<>(model, 10, now + 30_000, false, who, NODE), now);
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

  /** Two calls of {@code model} end with {@code outcome}: enough to open a breaker here. */
  private void failTwice(Admission<String> admission, String model, CallOutcome outcome) {
    for (String who : List.of("f1", "f2")) admission.release(granted(ask(admission, model, who), who).permitId(), outcome, now);
  }

  private Status status(Admission<String> admission) {
    return admission.status(now, "node").value();
  }

  @Test
  void modelFailures_openThatModelsBreakerOnly_andAnotherModelOfTheProviderStillServes() {
    Admission<String> admission = admission(Optional.empty());
    failTwice(admission, A, MODEL_FAULT);

    Rejected refused = rejected(ask(admission, A, "a"), "a");
    assertEquals(Reason.CIRCUIT_OPEN, refused.reason());
    assertEquals("Model 'gpt-4o' at provider 'p' is failing and its circuit breaker is open. Retry after 5s, or use"
        + " another model.", refused.message());
    assertEquals(Duration.ofSeconds(5), refused.retryAfter());
    Granted b = granted(ask(admission, B, "b"), "b");
    admission.release(b.permitId(), OK, now);

    Status status = status(admission);
    assertEquals("closed", status.breaker(), "the provider's own breaker counts transport failures only");
    assertEquals(new ModelBreaker("open", Map.of("open", 1L)), status.modelBreakers().get(A));
    assertEquals("closed", status.modelBreaker(B));
  }

  @Test
  void transportFailures_openTheProvidersBreaker_forEveryModel() {
    Admission<String> admission = admission(Optional.empty());
    failTwice(admission, A, TRANSPORT_FAULT);

    assertEquals("Provider 'p' is failing and its circuit breaker is open. Retry after 5s.",
        rejected(ask(admission, B, "b"), "b").message());
    assertEquals("open", status(admission).breaker());
    assertEquals("closed", status(admission).modelBreaker(A), "a broken connection says nothing of the model");
  }

  @Test
  void openingModelBreaker_turnsAwayThatModelsWaitingRequests_only() {
    Admission<String> admission = admission(Optional.empty());
    Granted h1 = granted(ask(admission, A, "h1"), "h1");
    Granted h2 = granted(ask(admission, A, "h2"), "h2");
    for (String[] waiting : new String[][] {{B, "wB1"}, {A, "wA"}, {B, "wB2"}}) {
      assertTrue(ask(admission, waiting[0], waiting[1]).replies().isEmpty(), "both slots taken: " + waiting[1] + " waits");
    }
    granted(admission.release(h1.permitId(), MODEL_FAULT, now), "wB1");

    Decisions<String> opened = admission.release(h2.permitId(), MODEL_FAULT, now);

    Rejected turnedAway = rejected(opened, "wA");
    assertEquals(Reason.CIRCUIT_OPEN, turnedAway.reason());
    assertEquals("Model 'gpt-4o' at provider 'p' started failing while this request waited, and its circuit breaker"
        + " opened. Retry after 5s.", turnedAway.message());
    granted(opened, "wB2");
    assertEquals(0, status(admission).queued());
  }

  @Test
  void modelBreaker_isCheckpointed_andRestored() {
    Admission<String> admission = admission(Optional.empty());
    failTwice(admission, A, MODEL_FAULT);
    ProviderState saved = admission.checkpointDue(now).checkpoint().orElseThrow();

    assertEquals(CircuitBreaker.State.OPEN, saved.modelBreakers().get(A).state());
    assertEquals(List.of(A), List.copyOf(saved.modelBreakers().keySet()), "a model with nothing to remember is not saved");
    Admission<String> restarted = admission(Optional.of(saved));
    assertEquals(Reason.CIRCUIT_OPEN, rejected(ask(restarted, A, "a"), "a").reason());
    granted(ask(restarted, B, "b"), "b");
  }

  @Test
  void openModelBreaker_halfOpensOnTime_andASuccessfulProbeCloses() {
    Admission<String> admission = admission(Optional.empty());
    failTwice(admission, A, MODEL_FAULT);
    Decisions<String> afterOpen = admission.release(granted(ask(admission, B, "b"), "b").permitId(), OK, now);
    assertEquals(5_000, afterOpen.breakerTickIn().orElseThrow(), "a timer for the model breaker's half-open");

    now += 5_000;
    admission.breakerTick(now);
    assertEquals("half_open", status(admission).modelBreaker(A));
    Granted probe = granted(ask(admission, A, "probe"), "probe");
    assertTrue(probe.probe());
    assertEquals(Reason.CIRCUIT_OPEN, rejected(ask(admission, A, "other"), "other").reason(), "one probe at a time");
    admission.release(probe.permitId(), OK, now);

    assertEquals("closed", status(admission).modelBreaker(A));
    granted(ask(admission, A, "after"), "after");
  }

  @Test
  void requestRefusedByItsModelsBreaker_givesBackTheProvidersHalfOpenTrial_forAnotherModel() {
    Admission<String> admission = new Admission<>(AdmissionTest.settings(BREAKER.replace("max-in-flight = 2",
        "max-in-flight = 4")), new InFlight(), Optional.empty(), now);
    admission.start(now, "new");
    List<Granted> a = List.of(granted(ask(admission, A, "a1"), "a1"), granted(ask(admission, A, "a2"), "a2"));
    List<Granted> b = List.of(granted(ask(admission, B, "b1"), "b1"), granted(ask(admission, B, "b2"), "b2"));
    b.forEach(g -> admission.release(g.permitId(), TRANSPORT_FAULT, now)); // the provider's breaker: open until +5 s
    now += 2_000;
    a.forEach(g -> admission.release(g.permitId(), MODEL_FAULT, now)); // A's breaker: open until +7 s
    now += 3_000;
    assertEquals("half_open", status(admission).breaker());
    assertEquals("open", status(admission).modelBreaker(A));

    assertEquals(Reason.CIRCUIT_OPEN, rejected(ask(admission, A, "a"), "a").reason());
    Granted probe = granted(ask(admission, B, "b"), "b");

    assertTrue(probe.probe(), "B takes the provider's trial, which A's refusal gave back");
    admission.release(probe.permitId(), OK, now);
    assertEquals("closed", status(admission).breaker());
  }
}
