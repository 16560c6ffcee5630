package io.switchboard.breaker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.breaker.CircuitBreaker.Allowed;
import io.switchboard.breaker.CircuitBreaker.Probe;
import io.switchboard.breaker.CircuitBreaker.Refused;
import io.switchboard.breaker.CircuitBreakerSettings;
import io.switchboard.breaker.CircuitBreaker.State;
import io.switchboard.breaker.CircuitBreaker.Transition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The breaker's state machine, driven by explicit times. */
@Tag("unit")
class CircuitBreakerTest {
  private static final long T0 = 1_700_000_000_000L;

  private final List<Transition> transitions = new ArrayList<>();

  private CircuitBreaker breaker(CircuitBreakerSettings settings) {
    return new CircuitBreaker(settings, transitions::add);
  }

  private CircuitBreaker defaults() {
    return breaker(CircuitBreakerSettings.ofDefaults());
  }

  private static void fail(CircuitBreaker breaker, int times, long at) {
    for (int i = 0; i < times; i++) {
      breaker.onFailure(at, false);
    }
  }

  private List<String> path() {
    return transitions.stream().map(t -> t.from() + "->" + t.to()).toList();
  }

  @Test
  void defaults_areTheDocumentedOnes() {
    CircuitBreakerSettings s = CircuitBreakerSettings.ofDefaults();

    assertEquals(5, s.consecutiveFailureThreshold());
    assertEquals(0.5, s.failureRateThreshold());
    assertEquals(Duration.ofSeconds(30), s.slidingWindow());
    assertEquals(20, s.minimumCalls());
    assertEquals(Duration.ofSeconds(5), s.initialResetTimeout());
    assertEquals(2.0, s.resetTimeoutMultiplier());
    assertEquals(Duration.ofSeconds(10), s.maxResetTimeout());
  }

  @Test
  void closed_allowsCalls_andSurvivesFewerFailuresThanTheThreshold() {
    CircuitBreaker breaker = defaults();
    fail(breaker, 4, T0);
    breaker.onSuccess(T0, false);
    fail(breaker, 4, T0);

    assertEquals(new Allowed(), breaker.tryAcquire(T0));
    assertEquals(State.CLOSED, breaker.state(T0));
    assertEquals(List.of(), transitions);
  }

  @Test
  void consecutiveFailures_openIt_andCallsAreRefusedUntilTheResetTimeout() {
    CircuitBreaker breaker = defaults();
    fail(breaker, 5, T0);

    assertEquals(List.of(new Transition(State.CLOSED, State.OPEN, T0, "5 consecutive failures")), transitions);
    assertEquals(new Refused(5_000), breaker.tryAcquire(T0));
    assertEquals(new Refused(1), breaker.tryAcquire(T0 + 4_999));
    assertEquals(OptionalLong.of(T0 + 5_000), breaker.nextTransitionAt());
  }

  @Test
  void failureRate_overTheWindow_opensIt_onceThereAreEnoughCalls() {
    CircuitBreaker breaker = defaults();
    for (int i = 0; i < 9; i++) {
      breaker.onSuccess(T0 + i, false);
      breaker.onFailure(T0 + i, false);
    }
    assertEquals(State.CLOSED, breaker.state(T0 + 10), "18 calls: too few to judge");

    breaker.onSuccess(T0 + 10, false);
    breaker.onFailure(T0 + 10, false);

    assertEquals(State.OPEN, breaker.state(T0 + 10));
    assertEquals("10 of 20 calls failed within 30000 ms (threshold 50%)", transitions.get(0).reason());
  }

  @Test
  void failureRate_forgetsCallsThatLeftTheWindow() {
    CircuitBreaker breaker = defaults();
    for (int i = 0; i < 15; i++) {
      breaker.onSuccess(T0, false);
      breaker.onFailure(T0, false);
    }
    assertEquals(State.OPEN, breaker.state(T0));

    CircuitBreaker later = breaker(CircuitBreakerSettings.ofDefaults());
    for (int i = 0; i < 9; i++) {
      later.onSuccess(T0, false);
      later.onFailure(T0, false);
    }
    long afterWindow = T0 + 31_000;
    later.onSuccess(afterWindow, false);
    later.onFailure(afterWindow, false);

    assertEquals(State.CLOSED, later.state(afterWindow), "only 2 calls are left in the window");
  }

  @Test
  void afterTheResetTimeout_exactlyOneProbeIsHandedOut() {
    CircuitBreaker breaker = defaults();
    fail(breaker, 5, T0);

    assertEquals(State.HALF_OPEN, breaker.state(T0 + 5_000));
    assertEquals(new Probe(), breaker.tryAcquire(T0 + 5_000));
    assertTrue(breaker.tryAcquire(T0 + 5_001) instanceof Refused);
    assertTrue(breaker.tryAcquire(T0 + 60_000) instanceof Refused);
    assertEquals(OptionalLong.empty(), breaker.nextTransitionAt());
    assertEquals(new Transition(State.OPEN, State.HALF_OPEN, T0 + 5_000, "reset timeout of 5000 ms elapsed"),
        transitions.get(1));
  }

  @Test
  void halfOpen_isReachedThroughTryAcquireToo() {
    CircuitBreaker breaker = defaults();
    fail(breaker, 5, T0);

    assertEquals(new Probe(), breaker.tryAcquire(T0 + 7_000));
    assertEquals(List.of("CLOSED->OPEN", "OPEN->HALF_OPEN"), path());
    assertEquals(T0 + 7_000, transitions.get(1).atEpochMillis());
  }

  @Test
  void probeSuccess_closesIt_andResetsTimeoutAndWindow() {
    CircuitBreaker breaker = defaults();
    fail(breaker, 5, T0);
    breaker.tryAcquire(T0 + 5_000);
    breaker.onFailure(T0 + 5_100, true);
    breaker.tryAcquire(T0 + 15_100);

    breaker.onSuccess(T0 + 15_200, true);

    assertEquals(State.CLOSED, breaker.state(T0 + 15_200));
    assertEquals(new Allowed(), breaker.tryAcquire(T0 + 15_200));
    assertEquals(new Transition(State.HALF_OPEN, State.CLOSED, T0 + 15_200, "probe call succeeded"),
        transitions.get(transitions.size() - 1));
    fail(breaker, 4, T0 + 15_300);
    assertEquals(State.CLOSED, breaker.state(T0 + 15_300), "failures before the close were forgotten");
    fail(breaker, 1, T0 + 15_300);
    assertEquals(new Refused(5_000), breaker.tryAcquire(T0 + 15_300), "back to the initial timeout");
  }

  @Test
  void probeFailure_reopensIt_withTheTimeoutMultipliedUpToTheCap() {
    CircuitBreaker breaker = breaker(CircuitBreakerSettings.custom().maxResetTimeout(Duration.ofSeconds(30)).build());
    fail(breaker, 5, T0);
    long now = T0;
    List<Long> timeouts = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      now = breaker.nextTransitionAt().getAsLong();
      assertEquals(new Probe(), breaker.tryAcquire(now));
      breaker.onFailure(now, true);
      timeouts.add(breaker.nextTransitionAt().getAsLong() - now);
    }

    assertEquals(List.of(10_000L, 20_000L, 30_000L, 30_000L, 30_000L), timeouts);
    assertEquals("probe call failed; next reset timeout 10000 ms", transitions.get(2).reason());
  }

  @Test
  void longOutage_withDefaults_probesAtLeastEveryTenSeconds_andARecoveredUpstreamServesWithinThem() {
    CircuitBreaker breaker = defaults();
    fail(breaker, 5, T0);
    long now = T0;
    List<Long> timeouts = new ArrayList<>();
    for (int i = 0; i < 8; i++) { // an outage of over a minute: 5, 10, 10, ... seconds between probes
      long openedAt = now;
      now = breaker.nextTransitionAt().getAsLong();
      timeouts.add(now - openedAt);
      assertEquals(new Probe(), breaker.tryAcquire(now));
      breaker.onFailure(now, true);
    }
    assertEquals(List.of(5_000L, 10_000L, 10_000L, 10_000L, 10_000L, 10_000L, 10_000L, 10_000L), timeouts);

    // The upstream recovers just after a failed probe: the next probe is due at most 10 s later.
    long recovered = now + 1;
    long probeAt = breaker.nextTransitionAt().getAsLong();
    assertTrue(probeAt - recovered <= 10_000, "next probe " + (probeAt - recovered) + " ms after recovery");
    assertEquals(new Probe(), breaker.tryAcquire(probeAt));
    breaker.onSuccess(probeAt, true);
    assertEquals(new Allowed(), breaker.tryAcquire(probeAt));
  }

  @Test
  void restoredBackoff_longerThanTheCap_isCutToIt() {
    CircuitBreaker restored = CircuitBreaker.restore(CircuitBreakerSettings.ofDefaults(),
        new CircuitBreaker.Snapshot(State.OPEN, 0, 300_000, T0), transitions::add);

    assertEquals(OptionalLong.of(T0 + 10_000), restored.nextTransitionAt(),
        "a backoff saved under the old 5 min cap waits no longer than the new one");
  }

  @Test
  void abandonedProbe_freesTheSlotWithoutChangingState() {
    CircuitBreaker breaker = defaults();
    fail(breaker, 5, T0);
    breaker.tryAcquire(T0 + 5_000);

    breaker.onProbeAbandoned(T0 + 5_500);

    assertEquals(State.HALF_OPEN, breaker.state(T0 + 5_500));
    assertEquals(new Probe(), breaker.tryAcquire(T0 + 5_600));
    assertEquals(List.of("CLOSED->OPEN", "OPEN->HALF_OPEN"), path(), "no transition for the abandon");
  }

  @Test
  void lateOutcomesOfNonProbeCalls_whileOpenOrHalfOpen_areIgnored() {
    CircuitBreaker breaker = defaults();
    fail(breaker, 5, T0);
    breaker.onSuccess(T0 + 1, false);
    fail(breaker, 10, T0 + 2);
    assertEquals(new Refused(4_999), breaker.tryAcquire(T0 + 1), "timeout not restarted by late failures");

    breaker.tryAcquire(T0 + 5_000);
    breaker.onSuccess(T0 + 5_001, false);
    breaker.onFailure(T0 + 5_002, false);

    assertEquals(State.HALF_OPEN, breaker.state(T0 + 5_003));
    assertTrue(breaker.tryAcquire(T0 + 5_003) instanceof Refused, "the probe is still out");
  }

  @Test
  void probeOutcomes_withoutAnOutstandingProbe_areIgnored() {
    CircuitBreaker breaker = defaults();
    breaker.onFailure(T0, true);
    breaker.onSuccess(T0, true);
    assertEquals(State.CLOSED, breaker.state(T0));

    fail(breaker, 5, T0);
    breaker.tryAcquire(T0 + 5_000);
    breaker.onProbeAbandoned(T0 + 5_001);
    breaker.onFailure(T0 + 5_002, true);

    assertEquals(State.HALF_OPEN, breaker.state(T0 + 5_002));
  }

  @Test
  void failuresOfCallsStartedBeforeTheBreakerClosed_doNotReopenIt() {
    CircuitBreaker breaker = defaults();
    long slowCallsStarted = T0 - 30_000;
    fail(breaker, 5, T0);
    breaker.tryAcquire(T0 + 5_000);
    breaker.onSuccess(T0 + 5_100, true, T0 + 5_000);

    for (int i = 0; i < 20; i++) {
      breaker.onFailure(T0 + 30_000, false, slowCallsStarted);
    }
    assertEquals(State.CLOSED, breaker.state(T0 + 30_000));

    for (int i = 0; i < 5; i++) {
      breaker.onFailure(T0 + 30_000, false, T0 + 6_000);
    }
    assertEquals(State.OPEN, breaker.state(T0 + 30_000), "calls started after the close still count");
  }

  @Test
  void snapshot_restoresStateAndTimeout_withoutFiringATransition() {
    CircuitBreaker breaker = defaults();
    fail(breaker, 5, T0);
    breaker.tryAcquire(T0 + 5_000);
    breaker.onFailure(T0 + 5_000, true);
    CircuitBreaker.Snapshot snapshot = breaker.snapshot();
    assertEquals(new CircuitBreaker.Snapshot(State.OPEN, 0, 10_000, T0 + 5_000), snapshot);

    List<Transition> restoredTransitions = new ArrayList<>();
    CircuitBreaker restored =
        CircuitBreaker.restore(CircuitBreakerSettings.ofDefaults(), snapshot, restoredTransitions::add);

    assertEquals(snapshot, restored.snapshot());
    assertEquals(OptionalLong.of(T0 + 15_000), restored.nextTransitionAt());
    assertEquals(List.of(), restoredTransitions);
    assertEquals(new Probe(), restored.tryAcquire(T0 + 15_000));
  }

  @Test
  void restoredHalfOpen_handsOutAFreshProbe_andClosedKeepsItsFailureCount() {
    CircuitBreaker halfOpen = CircuitBreaker.restore(CircuitBreakerSettings.ofDefaults(),
        new CircuitBreaker.Snapshot(State.HALF_OPEN, 0, 20_000, T0), transitions::add);
    assertEquals(new Probe(), halfOpen.tryAcquire(T0 + 1));

    CircuitBreaker closed = CircuitBreaker.restore(CircuitBreakerSettings.ofDefaults(),
        new CircuitBreaker.Snapshot(State.CLOSED, 4, 5_000, 0), transitions::add);
    closed.onFailure(T0, false);
    assertEquals(State.OPEN, closed.state(T0));
  }

  @Test
  void settings_refuseNonsense() {
    assertThrows(IllegalArgumentException.class,
        () -> CircuitBreakerSettings.custom().consecutiveFailureThreshold(0).build());
    assertThrows(IllegalArgumentException.class,
        () -> CircuitBreakerSettings.custom().failureRateThreshold(1.5).build());
    assertThrows(IllegalArgumentException.class, () -> CircuitBreakerSettings.custom().minimumCalls(0).build());
    assertThrows(IllegalArgumentException.class,
        () -> CircuitBreakerSettings.custom().slidingWindow(Duration.ofMillis(5), 10).build());
    assertThrows(IllegalArgumentException.class,
        () -> CircuitBreakerSettings.custom().resetTimeoutMultiplier(0.5).build());
    assertThrows(IllegalArgumentException.class,
        () -> CircuitBreakerSettings.custom().initialResetTimeout(Duration.ZERO).build());
    assertThrows(IllegalArgumentException.class,
        () -> CircuitBreakerSettings.custom().maxResetTimeout(Duration.ofSeconds(1)).build());
  }
}
