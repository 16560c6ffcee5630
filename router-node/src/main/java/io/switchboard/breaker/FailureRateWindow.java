package io.switchboard.breaker;

import io.switchboard.ratelimit.SlidingWindowCounter;
import java.util.Optional;

/**
 * The failure rate a {@link CircuitBreaker} watches while CLOSED: calls and failures counted over the
 * sliding window of its {@link CircuitBreakerSettings}, and the rate trusted only once the window holds
 * {@code minimumCalls} calls, so a single failure on a quiet provider does not open the breaker.
 *
 * <p>The counts are kept in a fixed number of sub-buckets ({@link SlidingWindowCounter}): memory stays
 * bounded however many calls arrive, at the price of a call leaving the window up to one sub-bucket
 * ({@code slidingWindow / windowBuckets}) late. The counts are not persisted: a restarted breaker starts
 * with an empty window. Times are passed in; not thread-safe.
 */
final class FailureRateWindow {
  private final CircuitBreakerSettings settings;
  private final SlidingWindowCounter calls;
  private final SlidingWindowCounter failures;

  FailureRateWindow(CircuitBreakerSettings settings) {
    this.settings = settings;
    this.calls = new SlidingWindowCounter(settings.slidingWindow(), settings.windowBuckets());
    this.failures = new SlidingWindowCounter(settings.slidingWindow(), settings.windowBuckets());
  }

  /** A call succeeded at {@code nowMillis}. */
  void success(long nowMillis) {
    calls.add(nowMillis, 1);
  }

  /** A call failed at {@code nowMillis}. */
  void failure(long nowMillis) {
    calls.add(nowMillis, 1);
    failures.add(nowMillis, 1);
  }

  /**
   * Why the breaker must open at {@code nowMillis}: the window holds enough calls and its failures reach
   * the threshold; empty otherwise.
   */
  Optional<String> exceeded(long nowMillis) {
    long windowCalls = calls.sum(nowMillis);
    long windowFailures = failures.sum(nowMillis);
    if (windowCalls < settings.minimumCalls() || windowFailures < settings.failureRateThreshold() * windowCalls) {
      return Optional.empty();
    }
    return Optional.of(windowFailures + " of " + windowCalls + " calls failed within "
        + settings.slidingWindow().toMillis() + " ms (threshold "
        + Math.round(settings.failureRateThreshold() * 100) + "%)");
  }

  /** Forgets every call: the breaker closed after a successful probe. */
  void clear() {
    calls.clear();
    failures.clear();
  }
}
