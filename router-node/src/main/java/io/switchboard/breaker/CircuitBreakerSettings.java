package io.switchboard.breaker;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A {@link CircuitBreaker}'s thresholds and timeouts; immutable. Start from {@link #ofDefaults()} or
 * {@link #custom()}; every default is a named constant below.
 *
 * <pre>{@code
 * CircuitBreakerSettings settings = CircuitBreakerSettings.custom()
 *     .consecutiveFailureThreshold(3)
 *     .initialResetTimeout(Duration.ofSeconds(10))
 *     .build();
 * }</pre>
 *
 * <p>Every value is checked here, when the settings are built, so a breaker never runs with one it
 * could not honour (a window finer than a millisecond per sub-bucket, a reset timeout that shrinks
 * where it should grow) and the state machine checks none. Being immutable, settings cannot be tuned on
 * a running breaker: new settings mean a new breaker.
 */
public record CircuitBreakerSettings(
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
  /**
   * The longest the breaker ever stays OPEN in one go. Short, so that an upstream that has recovered
   * takes traffic again within seconds however long its outage lasted; a probe every 10 s costs little.
   */
  public static final Duration DEFAULT_MAX_RESET_TIMEOUT = Duration.ofSeconds(10);

  public CircuitBreakerSettings {
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

  public static CircuitBreakerSettings ofDefaults() {
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

  /** Builds {@link CircuitBreakerSettings}; unset values keep their defaults. */
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

    public CircuitBreakerSettings build() {
      return new CircuitBreakerSettings(consecutiveFailureThreshold, failureRateThreshold, slidingWindow, windowBuckets,
          minimumCalls, initialResetTimeout, resetTimeoutMultiplier, maxResetTimeout);
    }
  }
}
