package io.switchboard.breaker;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * A circuit breaker (a provider's, or one upstream model's at a provider): stops sending requests to an
 * upstream that keeps failing, and lets a single trial call through now and then to find out whether it
 * has recovered. Pure state machine over the times the caller passes in; not thread-safe, it lives
 * inside the provider's actor.
 *
 * <pre>{@code
 * CircuitBreaker breaker = new CircuitBreaker(CircuitBreakerSettings.ofDefaults(),
 *     t -> log.info("breaker {} -> {}: {}", t.from(), t.to(), t.reason()));
 * CircuitBreaker.Decision decision = breaker.tryAcquire(now);
 * if (decision instanceof CircuitBreaker.Refused refused) {
 *   reject(refused.retryAfterMillis());
 * } else {
 *   boolean wasProbe = decision instanceof CircuitBreaker.Probe;
 *   // ... call upstream; when it is over, with the time the call started:
 *   breaker.onFailure(later, wasProbe, now);   // or onSuccess(later, wasProbe, now)
 * }
 * }</pre>
 *
 * <ul>
 *   <li>CLOSED: calls pass. It opens after {@code consecutiveFailureThreshold} failures in a row, or
 *       when at least {@code minimumCalls} calls in the sliding window failed at
 *       {@code failureRateThreshold} or more.
 *   <li>OPEN: calls are refused until the reset timeout has passed, then it is HALF_OPEN.
 *   <li>HALF_OPEN: exactly one probe call is handed out. Its success closes the breaker and resets
 *       the timeout to the initial one; its failure reopens it with the timeout multiplied, capped at
 *       {@code maxResetTimeout} (10 s by default), so that a recovered upstream is tried again within
 *       seconds however long its outage was.
 * </ul>
 *
 * <p>Outcomes that describe an older state are not allowed to flip the current one: a non-probe
 * outcome arriving while OPEN or HALF_OPEN is ignored, as is (when the caller passes the call's
 * start time) the outcome of a call started before the last transition, e.g. a slow request from
 * before the outage timing out just after the breaker closed again.
 *
 * <p>Every transition is handed to the listener given at construction, on the caller's thread,
 * before the method that caused it returns.
 *
 * <p>Its thresholds and timeouts come from {@link CircuitBreakerSettings}; the failure rate of the
 * CLOSED state is counted by {@link FailureRateWindow}. Only the state, when it opened, the run of
 * failures and the reset timeout are persisted ({@link Snapshot}): a restarted breaker keeps an
 * outage's backoff but starts with an empty window.
 */
public final class CircuitBreaker {

  /** The breaker's states. */
  public enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  /** The answer to {@link #tryAcquire}. */
  public sealed interface Decision permits Allowed, Probe, Refused {}

  /** Call the upstream as usual; report the outcome with {@code wasProbe = false}. */
  public record Allowed() implements Decision {}

  /** The one trial call of HALF_OPEN; report its outcome with {@code wasProbe = true}, or abandon it. */
  public record Probe() implements Decision {}

  /** Do not call the upstream; it may be worth trying again after {@code retryAfterMillis}. */
  public record Refused(long retryAfterMillis) implements Decision {}

  /** A change of state, for logs and metrics. */
  public record Transition(State from, State to, long atEpochMillis, String reason) {}

  /** What survives a restart: the window's counts are deliberately not kept. */
  public record Snapshot(State state, int consecutiveFailures, long resetTimeoutMillis, long openedAtEpochMillis) {
    public Snapshot {
      requireNonNull(state, "state");
    }
  }

  private static final Allowed ALLOWED = new Allowed();
  private static final Probe PROBE = new Probe();

  private final CircuitBreakerSettings settings;
  private final Consumer<Transition> listener;
  private final FailureRateWindow window;
  private State state = State.CLOSED;
  private int consecutiveFailures;
  private long resetTimeoutMillis;
  private long openedAt;
  private long lastTransitionAt = Long.MIN_VALUE;
  private boolean probeOutstanding;

  /** A CLOSED breaker that reports every transition to {@code listener}. */
  public CircuitBreaker(CircuitBreakerSettings settings, Consumer<Transition> listener) {
    this.settings = requireNonNull(settings, "settings");
    this.listener = requireNonNull(listener, "listener");
    this.window = new FailureRateWindow(settings);
    this.resetTimeoutMillis = settings.initialResetTimeout().toMillis();
  }

  /**
   * Rebuilds a breaker from a {@link Snapshot}, without firing a transition. A HALF_OPEN breaker
   * comes back with its probe slot free: the probe in flight died with the previous owner.
   */
  public static CircuitBreaker restore(
      CircuitBreakerSettings settings, Snapshot snapshot, Consumer<Transition> listener) {
    requireNonNull(snapshot, "snapshot");
    CircuitBreaker breaker = new CircuitBreaker(settings, listener);
    breaker.state = snapshot.state();
    breaker.consecutiveFailures = Math.max(0, snapshot.consecutiveFailures());
    breaker.resetTimeoutMillis = Math.min(settings.maxResetTimeout().toMillis(),
        Math.max(settings.initialResetTimeout().toMillis(), snapshot.resetTimeoutMillis()));
    breaker.openedAt = snapshot.openedAtEpochMillis();
    return breaker;
  }

  /** For persistence; see {@link #restore}. */
  public Snapshot snapshot() {
    return new Snapshot(state, consecutiveFailures, resetTimeoutMillis, openedAt);
  }

  public CircuitBreakerSettings settings() {
    return settings;
  }

  /** The state at {@code nowMillis}: an OPEN breaker whose reset timeout has passed becomes HALF_OPEN here. */
  public State state(long nowMillis) {
    halfOpenIfDue(nowMillis);
    return state;
  }

  /** When an OPEN breaker becomes HALF_OPEN (schedule a timer for it); empty in the other states. */
  public OptionalLong nextTransitionAt() {
    return state == State.OPEN ? OptionalLong.of(halfOpenAt()) : OptionalLong.empty();
  }

  /** May a call go upstream now? */
  public Decision tryAcquire(long nowMillis) {
    halfOpenIfDue(nowMillis);
    return switch (state) {
      case CLOSED -> ALLOWED;
      case OPEN -> new Refused(Math.max(1L, halfOpenAt() - nowMillis));
      case HALF_OPEN -> {
        if (probeOutstanding) {
          // The probe's answer usually comes well within the initial timeout.
          yield new Refused(settings.initialResetTimeout().toMillis());
        }
        probeOutstanding = true;
        yield PROBE;
      }
    };
  }

  /** A call succeeded; its start time unknown, so only the current state decides whether it counts. */
  public void onSuccess(long nowMillis, boolean wasProbe) {
    onSuccess(nowMillis, wasProbe, Long.MAX_VALUE);
  }

  /** A call that started at {@code startedAtMillis} succeeded. */
  public void onSuccess(long nowMillis, boolean wasProbe, long startedAtMillis) {
    if (wasProbe) {
      if (takeProbe()) {
        resetTimeoutMillis = settings.initialResetTimeout().toMillis();
        consecutiveFailures = 0;
        window.clear();
        transition(State.CLOSED, nowMillis, "probe call succeeded");
      }
      return;
    }
    if (state != State.CLOSED || startedAtMillis < lastTransitionAt) {
      return;
    }
    consecutiveFailures = 0;
    window.success(nowMillis);
  }

  /** A call failed in a way that counts against the provider; its start time unknown. */
  public void onFailure(long nowMillis, boolean wasProbe) {
    onFailure(nowMillis, wasProbe, Long.MAX_VALUE);
  }

  /** A call that started at {@code startedAtMillis} failed in a way that counts against the provider. */
  public void onFailure(long nowMillis, boolean wasProbe, long startedAtMillis) {
    if (wasProbe) {
      if (takeProbe()) {
        resetTimeoutMillis = nextResetTimeout();
        open(nowMillis, "probe call failed; next reset timeout " + resetTimeoutMillis + " ms");
      }
      return;
    }
    if (state != State.CLOSED || startedAtMillis < lastTransitionAt) {
      return;
    }
    consecutiveFailures++;
    window.failure(nowMillis);
    if (consecutiveFailures >= settings.consecutiveFailureThreshold()) {
      open(nowMillis, consecutiveFailures + " consecutive failures");
      return;
    }
    Optional<String> rateExceeded = window.exceeded(nowMillis);
    if (rateExceeded.isPresent()) open(nowMillis, rateExceeded.get());
  }

  /** The probe's outcome will never be known (e.g. the client cancelled); another probe may go. */
  public void onProbeAbandoned(long nowMillis) {
    takeProbe();
  }

  @Override
  public String toString() {
    return "CircuitBreaker[" + state + ", consecutiveFailures=" + consecutiveFailures + ", resetTimeout="
        + resetTimeoutMillis + "ms" + (state == State.OPEN ? ", half-open at " + halfOpenAt() : "") + "]";
  }

  private boolean takeProbe() {
    if (state != State.HALF_OPEN || !probeOutstanding) {
      return false;
    }
    probeOutstanding = false;
    return true;
  }

  private void open(long nowMillis, String reason) {
    openedAt = nowMillis;
    consecutiveFailures = 0;
    transition(State.OPEN, nowMillis, reason);
  }

  private void halfOpenIfDue(long nowMillis) {
    if (state == State.OPEN && nowMillis >= halfOpenAt()) {
      probeOutstanding = false;
      transition(State.HALF_OPEN, nowMillis, "reset timeout of " + resetTimeoutMillis + " ms elapsed");
    }
  }

  private long halfOpenAt() {
    long at = openedAt + resetTimeoutMillis;
    // Overflow only when openedAt is near the end of time; saturate instead of wrapping into the past.
    return at < openedAt ? Long.MAX_VALUE : at;
  }

  private long nextResetTimeout() {
    double next = resetTimeoutMillis * settings.resetTimeoutMultiplier();
    return (long) Math.min(next, (double) settings.maxResetTimeout().toMillis());
  }

  private void transition(State to, long nowMillis, String reason) {
    State from = state;
    state = to;
    lastTransitionAt = nowMillis;
    listener.accept(new Transition(from, to, nowMillis, reason));
  }
}
