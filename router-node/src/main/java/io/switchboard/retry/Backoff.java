package io.switchboard.retry;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the n-th retry waits a uniformly random time between zero and
 * {@code min(cap, base * 2^(n-1))}. Spreading retries over the whole range, rather than around the
 * exponential value, keeps clients that failed together from retrying together.
 *
 * <pre>{@code
 * Backoff backoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(8), RandomGenerator.getDefault());
 * Duration wait = backoff.delay(attempt, failure.retryAfter());
 * }</pre>
 *
 * <p>An upstream's own {@code Retry-After} is honoured as a lower bound, even beyond the cap: retrying
 * earlier than asked only earns another 429. Not thread-safe unless the random generator is.
 */
public final class Backoff {
  private final long baseMillis;
  private final long capMillis;
  private final RandomGenerator random;

  public Backoff(Duration base, Duration cap, RandomGenerator random) {
    requireNonNull(base, "base");
    requireNonNull(cap, "cap");
    this.random = requireNonNull(random, "random");
    if (base.isNegative() || base.isZero()) {
      throw new IllegalArgumentException("base must be positive, was " + base);
    }
    if (cap.compareTo(base) < 0) {
      throw new IllegalArgumentException("cap must be at least base, was " + cap + " < " + base);
    }
    this.baseMillis = Math.max(1, saturatedMillis(base));
    this.capMillis = Math.max(baseMillis, saturatedMillis(cap));
  }

  private static long saturatedMillis(Duration duration) {
    try {
      return duration.toMillis();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }

  /** The wait before retry number {@code retryNumber} (1 for the first retry). */
  public Duration delay(int retryNumber) {
    if (retryNumber < 1) {
      throw new IllegalArgumentException("retryNumber starts at 1, was " + retryNumber);
    }
    long ceiling = ceilingMillis(retryNumber);
    return Duration.ofMillis(ceiling == Long.MAX_VALUE ? random.nextLong(ceiling) : random.nextLong(ceiling + 1));
  }

  /** {@link #delay(int)}, but never shorter than what the upstream asked for. */
  public Duration delay(int retryNumber, Optional<Duration> retryAfter) {
    requireNonNull(retryAfter, "retryAfter");
    Duration jittered = delay(retryNumber);
    return retryAfter.filter(asked -> asked.compareTo(jittered) > 0).orElse(jittered);
  }

  /** {@code min(cap, base * 2^(n-1))} without overflowing. */
  private long ceilingMillis(int retryNumber) {
    int doublings = retryNumber - 1;
    if (doublings >= Long.SIZE - 1 || baseMillis > (capMillis >> doublings)) {
      return capMillis;
    }
    return Math.min(capMillis, baseMillis << doublings);
  }
}
