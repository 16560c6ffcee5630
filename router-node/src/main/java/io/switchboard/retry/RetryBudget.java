package io.switchboard.retry;

import static java.util.Objects.requireNonNull;

import io.switchboard.ratelimit.SlidingWindowCounter;
import java.time.Duration;

/**
 * Caps retries at a share of the traffic, so that when an upstream is down the gateway does not
 * multiply the load on it: over the sliding {@code window}, retries may number at most
 * {@code ratio} times the first attempts, but always at least {@code minRetriesPerSecond} per second
 * so a quiet provider can still retry its rare failure.
 *
 * <pre>{@code
 * RetryBudget budget = new RetryBudget(0.2, 3, Duration.ofSeconds(10));
 * budget.onRequest(now);                  // every first attempt
 * if (failed && budget.tryRetry(now)) retry();
 * }</pre>
 *
 * <p>The window is kept in ten sub-buckets, so memory is bounded and requests leave the count up to a
 * tenth of the window late. Times are passed in; not thread-safe.
 */
public final class RetryBudget {
  private static final int WINDOW_BUCKETS = 10;

  private final double ratio;
  private final double minRetriesPerWindow;
  private final SlidingWindowCounter requests;
  private final SlidingWindowCounter retries;

  public RetryBudget(double ratio, int minRetriesPerSecond, Duration window) {
    requireNonNull(window, "window");
    if (!(ratio >= 0) || Double.isInfinite(ratio)) {
      throw new IllegalArgumentException("ratio must be non-negative and finite, was " + ratio);
    }
    if (minRetriesPerSecond < 0) {
      throw new IllegalArgumentException("minRetriesPerSecond must not be negative, was " + minRetriesPerSecond);
    }
    this.ratio = ratio;
    this.minRetriesPerWindow = minRetriesPerSecond * (window.toMillis() / 1000.0);
    this.requests = new SlidingWindowCounter(window, WINDOW_BUCKETS);
    this.retries = new SlidingWindowCounter(window, WINDOW_BUCKETS);
  }

  /** A first attempt was made; it earns {@code ratio} of a retry. */
  public void onRequest(long nowMillis) {
    requests.add(nowMillis, 1);
  }

  /** Whether a retry fits in the budget now; if it does, it is counted against it. */
  public boolean tryRetry(long nowMillis) {
    double allowed = Math.max(minRetriesPerWindow, ratio * requests.sum(nowMillis));
    if (retries.sum(nowMillis) < allowed) {
      retries.add(nowMillis, 1);
      return true;
    }
    return false;
  }
}
