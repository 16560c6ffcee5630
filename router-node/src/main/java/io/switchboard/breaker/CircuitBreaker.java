package io.switchboard.breaker;

import static java.util.Objects.requireNonNull;

import io.switchboard.ratelimit.SlidingWindowCounter;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * One provider's circuit breaker: stops sending requests to an upstream that keeps failing, and lets
 * a single trial call through now and then to find out whether it has recovered. Pure state machine
 * over the times the caller passes in; not thread-safe, it lives inside the provider's actor.
 *
 * <pre>{@code
 * CircuitBreaker breaker = new CircuitBreaker(CircuitBreaker.Settings.ofDefaults(),
 *     t -> log.info("breaker {} -> {}: {}", t.from(), t.to(), t.reason()));
 CircuitBreaker.Decision decision = breaker.tryAcquire(now);
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
 *       the timeout to the initial one; its failure reopens it with the timeout multiplied (capped).
 * </ul>
 *
 * <p>Outcomes that describe an older state are not allowed to flip the current one: a non-probe
 * outcome arriving while OPEN or HALF_OPEN is ignored, as is (when the caller passes the call's
 * start time) the outcome of a call started before the last transition, e.g. a slow request from
 * before the outage timing out just after the breaker closed again.
 *
 * <p>Every transition is handed to the listener given at construction, on the caller's thread,
 * before the method that caused it returns.
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

  private final Settings settings;
  private final Consumer<Transition> listener;
  private final SlidingWindowCounter calls;
  private final SlidingWindowCounter failures;
  private State state = State.CLOSED;
  private int consecutiveFailures;
  private long resetTimeoutMillis;
  private long openedAt;
  private long lastTransitionAt = Long.MIN_VALUE;
  private boolean probeOutstanding;

  /** A CLOSED breaker that reports every transition to {@code listener}. */
  public CircuitBreaker(Settings settings, Consumer<Transition> listener) {
    this.settings = requireNonNull(settings, "settings");
    this.listener = requireNonNull(listener, "listener");
    this.calls = new SlidingWindowCounter(settings.slidingWindow(), settings.windowBuckets());
    this.failures = new SlidingWindowCounter(settings.slidingWindow(), settings.windowBuckets());
    this.resetTimeoutMillis = settings.initialResetTimeout().toMillis();
  }

  /**
   * Rebuilds a breaker from a {@link Snapshot}, without firing a transition. A HALF_OPEN breaker
   * comes back with its probe slot free: the probe in flight died with the previous owner.
   */
  public static CircuitBreaker restore(Settings settings, Snapshot snapshot, Consumer<Transition> listener) {
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

  public Settings settings() {
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
        calls.clear();
        failures.clear();
        transition(State.CLOSED, nowMillis, "probe call succeeded");
      }
      return;
    }
    if (state != State.CLOSED || startedAtMillis < lastTransitionAt) {
      return;
    }
    consecutiveFailures = 0;
    calls.add(nowMillis, 1);
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
    calls.add(nowMillis, 1);
    failures.add(nowMillis, 1);
    if (consecutiveFailures >= settings.consecutiveFailureThreshold()) {
      open(nowMillis, consecutiveFailures + " consecutive failures");
      return;
    }
    long windowCalls = calls.sum(nowMillis);
    long windowFailures = failures.sum(nowMillis);
    if (windowCalls >= settings.minimumCalls()
        && windowFailures >= settings.failureRateThreshold() * windowCalls) {
      open(nowMillis, windowFailures + " of " + windowCalls + " calls failed within "
          + settings.slidingWindow().toMillis() + " ms (threshold "
          + Math.round(settings.failureRateThreshold() * 100) + "%)");
    }
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

  /**
   * The breaker's thresholds and timeouts; immutable. Start from {@link #ofDefaults()} or
   * {@link #custom()}; every default is a named constant below.
   */
  public record Settings(
      int consecutiveFailureThreshold,
      double failureRateThreshold,
      Duration slidingWindow,
      int windowBuckets,
      int minimumCalls,
      Duration initialResetTimeout,
      double resetTimeoutMultiplier,
      Duration maxResetTimeout) {

    /** Failures in a row that open the breaker whatever the window says. */
    public static final int DEFAULT_CONSECUTIVE_FAILURE_THRESHOLD = 5;
    /** Share of failed calls in the window that opens the breaker. */
    public static final double DEFAULT_FAILURE_RATE_THRESHOLD = 0.5;
    /** How far back the failure rate looks. */
    public static final Duration DEFAULT_SLIDING_WINDOW = Duration.ofSeconds(30);
    /** Sub-buckets of the window: memory is bounded by this, granularity is window / buckets. */
    public static final int DEFAULT_WINDOW_BUCKETS = 10;
    /** Calls the window must hold before its failure rate is trusted. */
    public static final int DEFAULT_MINIMUM_CALLS = 20;
    /** How long the breaker stays OPEN the first time. */
    public static final Duration DEFAULT_INITIAL_RESET_TIMEOUT = Duration.ofSeconds(5);
    /** Growth of the OPEN period after each failed probe. */
    public static final double DEFAULT_RESET_TIMEOUT_MULTIPLIER = 2.0;
    /** The longest the breaker ever stays OPEN in one go. */
    public static final Duration DEFAULT_MAX_RESET_TIMEOUT = Duration.ofMinutes(5);

    public Settings {
      requireNonNull(slidingWindow, "slidingWindow");
      requireNonNull(initialResetTimeout, "initialResetTimeout");
      requireNonNull(maxResetTimeout, "maxResetTimeout");
      check(consecutiveFailureThreshold >= 1, "consecutiveFailureThreshold must be at least 1");
      check(failureRateThreshold > 0 && failureRateThreshold <= 1, "failureRateThreshold must be in (0, 1]");
      check(windowBuckets >= 1, "windowBuckets must be at least 1");
      check(slidingWindow.toMillis() >= windowBuckets, "slidingWindow must be at least 1 ms per bucket");
      check(minimumCalls >= 1, "minimumCalls must be at least 1");
      check(initialResetTimeout.toMillis() >= 1, "initialResetTimeout must be at least 1 ms");
      check(resetTimeoutMultiplier >= 1 && !Double.isInfinite(resetTimeoutMultiplier),
          "resetTimeoutMultiplier must be finite and at least 1");
      check(maxResetTimeout.compareTo(initialResetTimeout) >= 0,
          "maxResetTimeout must be at least initialResetTimeout");
    }

    public static Settings ofDefaults() {
      return custom().build();
    }

    public static Builder custom() {
      return new Builder();
    }

    private static void check(boolean condition, String message) {
      if (!condition) {
        throw new IllegalArgumentException(message);
      }
    }

    /** Builds {@link Settings}; unset values keep their defaults. */
    public static final class Builder {
      private int consecutiveFailureThreshold = DEFAULT_CONSECUTIVE_FAILURE_THRESHOLD;
      private double failureRateThreshold = DEFAULT_FAILURE_RATE_THRESHOLD;
      private Duration slidingWindow = DEFAULT_SLIDING_WINDOW;
      private int windowBuckets = DEFAULT_WINDOW_BUCKETS;
      private int minimumCalls = DEFAULT_MINIMUM_CALLS;
      private Duration initialResetTimeout = DEFAULT_INITIAL_RESET_TIMEOUT;
      private double resetTimeoutMultiplier = DEFAULT_RESET_TIMEOUT_MULTIPLIER;
      private Duration maxResetTimeout = DEFAULT_MAX_RESET_TIMEOUT;

      private Builder() {
      }

      public Builder consecutiveFailureThreshold(int failures) {
        this.consecutiveFailureThreshold = failures;
        return this;
      }

      public Builder failureRateThreshold(double rate) {
        this.failureRateThreshold = rate;
        return this;
      }

      public Builder slidingWindow(Duration window, int buckets) {
        this.slidingWindow = window;
        this.windowBuckets = buckets;
        return this;
      }

      public Builder minimumCalls(int calls) {
        this.minimumCalls = calls;
        return this;
      }

      public Builder initialResetTimeout(Duration timeout) {
        this.initialResetTimeout = timeout;
        return this;
      }

      public Builder resetTimeoutMultiplier(double multiplier) {
        this.resetTimeoutMultiplier = multiplier;
        return this;
      }

      public Builder maxResetTimeout(Duration timeout) {
        this.maxResetTimeout = timeout;
        return this;
      }

      public Settings build() {
        return new Settings(consecutiveFailureThreshold, failureRateThreshold, slidingWindow, windowBuckets,
            minimumCalls, initialResetTimeout, resetTimeoutMultiplier, maxResetTimeout);
      }
    }
  }
}
