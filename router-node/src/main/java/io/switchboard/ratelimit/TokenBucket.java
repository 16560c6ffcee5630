package io.switchboard.ratelimit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A continuously refilling token bucket: {@code capacity} tokens, refilled evenly so that an empty
 * bucket is full again after {@code period}. Pure arithmetic over the time the caller passes in;
 * not thread-safe, it lives inside one actor.
 *
 * <pre>{@code
 * TokenBucket tpm = TokenBucket.full(30_000, Duration.ofMinutes(1), now);
 * TokenBucket.Consumption c = tpm.tryConsume(estimatedTokens, now);
 * if (!c.consumed()) reject(Duration.ofMillis(c.waitMillis()));   // maps onto Retry-After
 * ...
 * tpm.charge(actualTokens - estimatedTokens, later);             // settle once usage is known
 * }</pre>
 *
 * <p>The level may go negative: a forced {@link #charge} (the answer used more than estimated) or an
 * oversized request leaves a debt that the refill pays off before anything else is admitted. A
 * request larger than the whole bucket would otherwise never pass; it is admitted when the bucket is
 * full, which is the closest a bucket of this size can come to admitting it.
 *
 * <p>Times are wall-clock epoch millis so a {@link #snapshot} can be persisted and restored on
 * another node. A clock that steps backwards refills nothing until it has caught up again.
 */
public final class TokenBucket {

  /**
   * Slack for floating-point drift, relative to capacity: a level this close to an amount counts as
   * reaching it, so the wait {@link #millisUntil} promises is always enough.
   */
  private static final double RELATIVE_SLACK = 1e-9;

  /** Everything needed to rebuild a bucket exactly: its level as of {@code atEpochMillis}. */
  public record State(
      double capacity, long periodMillis, double level, long atEpochMillis, long pausedUntilEpochMillis) {}

  /**
   * The answer to {@link #tryConsume}: whether the tokens were taken, the level left afterwards (may
   * be negative), and how long until the same request would succeed (0 when it just did).
   */
  public record Consumption(boolean consumed, double remaining, long waitMillis) {}

  private double capacity;
  private long periodMillis;
  private double level;
  private long refilledAt;
  private long pausedUntil;

  /**
   * A bucket holding {@code initialLevel} tokens at {@code nowMillis} (clamped to {@code capacity};
   * negative means starting in debt).
   */
  public TokenBucket(double capacity, Duration period, double initialLevel, long nowMillis) {
    this(capacity, toPeriodMillis(period), initialLevel, nowMillis, 0L);
  }

  private TokenBucket(double capacity, long periodMillis, double level, long at, long pausedUntil) {
    this.capacity = checkCapacity(capacity);
    this.periodMillis = checkPeriod(periodMillis);
    this.level = Math.min(capacity, checkFinite(level, "level"));
    this.refilledAt = at;
    this.pausedUntil = pausedUntil;
  }

  /** A bucket that starts full. */
  public static TokenBucket full(double capacity, Duration period, long nowMillis) {
    return new TokenBucket(capacity, period, capacity, nowMillis);
  }

  /** Rebuilds the bucket a {@link #snapshot} described. */
  public static TokenBucket restore(State state) {
    requireNonNull(state, "state");
    return new TokenBucket(state.capacity(), state.periodMillis(), state.level(), state.atEpochMillis(),
        state.pausedUntilEpochMillis());
  }

  public double capacity() {
    return capacity;
  }

  public Duration period() {
    return Duration.ofMillis(periodMillis);
  }

  /** Tokens available at {@code nowMillis}; negative while a debt is being paid off. */
  public double level(long nowMillis) {
    refill(nowMillis);
    return level;
  }

  /** Takes {@code amount} tokens if they are there (see the class comment for oversized requests). */
  public boolean tryTake(double amount, long nowMillis) {
    checkAmount(amount);
    refill(nowMillis);
    if (!canTake(amount, nowMillis)) {
      return false;
    }
    level -= amount;
    return true;
  }

  /** {@link #tryTake}, answering with what the caller needs next: tokens left and how long to wait. */
  public Consumption tryConsume(double amount, long nowMillis) {
    if (tryTake(amount, nowMillis)) {
      return new Consumption(true, level, 0L);
    }
    return new Consumption(false, level, millisUntil(amount, nowMillis));
  }

  /**
   * How long from {@code nowMillis} until {@code tryTake(amount)} would succeed: 0 if it would now.
   * Counts any pause; for an amount above capacity, the time until the bucket is full. Saturates at
   * {@link Long#MAX_VALUE} rather than overflowing.
   */
  public long millisUntil(double amount, long nowMillis) {
    checkAmount(amount);
    refill(nowMillis);
    long pauseWait = pausedUntil > nowMillis ? saturatedDifference(pausedUntil, nowMillis) : 0L;
    double needed = Math.min(amount, capacity);
    double deficit = needed - level;
    long refillWait = 0L;
    if (deficit > slack()) {
      // ceil, plus the drift slack in canTake, keeps the promise: at now + wait the take succeeds.
      double wait = Math.ceil(deficit / capacity * periodMillis);
      refillWait = wait >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) wait;
    }
    return Math.max(pauseWait, refillWait);
  }

  /** Gives back tokens taken for a request that used fewer (or never ran); never above capacity. */
  public void refund(double amount, long nowMillis) {
    checkAmount(amount);
    refill(nowMillis);
    level = Math.min(capacity, level + amount);
  }

  /** Takes tokens whether or not they are there, e.g. usage beyond the estimate; may go negative. */
  public void charge(double amount, long nowMillis) {
    checkAmount(amount);
    refill(nowMillis);
    level -= amount;
  }

  /**
   * No take succeeds before {@code epochMillis} (the upstream asked for a pause). A later pause
   * extends the current one; an earlier one does not shorten it.
   */
  public void pauseUntil(long epochMillis) {
    pausedUntil = Math.max(pausedUntil, epochMillis);
  }

  /** The end of the current or last pause; 0 if the bucket was never paused. */
  public long pausedUntil() {
    return pausedUntil;
  }

  /**
   * Empties the bucket, e.g. when the upstream answered 429 while the bucket thought it had room.
   * An existing debt is kept, not forgiven.
   */
  public void drain(long nowMillis) {
    refill(nowMillis);
    level = Math.min(level, 0.0);
  }

  /**
   * Adopts new limits, e.g. learned from the upstream's headers. The share already used is kept: a
   * bucket 40% full stays 40% full, so the new level is never above the new capacity.
   */
  public void resize(double newCapacity, Duration newPeriod, long nowMillis) {
    checkCapacity(newCapacity);
    long newPeriodMillis = toPeriodMillis(newPeriod);
    refill(nowMillis);
    level = Math.min(newCapacity, level / capacity * newCapacity);
    capacity = newCapacity;
    periodMillis = newPeriodMillis;
  }

  /** The bucket as of {@code nowMillis}, for persistence; {@link #restore} rebuilds it. */
  public State snapshot(long nowMillis) {
    refill(nowMillis);
    return new State(capacity, periodMillis, level, refilledAt, pausedUntil);
  }

  @Override
  public String toString() {
    return "TokenBucket[capacity=" + capacity + ", period=" + periodMillis + "ms, level=" + level
        + " at " + refilledAt + (pausedUntil > refilledAt ? ", paused until " + pausedUntil : "") + "]";
  }

  private boolean canTake(double amount, long nowMillis) {
    if (nowMillis < pausedUntil) {
      return false;
    }
    if (level >= amount - slack()) {
      return true;
    }
    return amount > capacity && level >= capacity - slack();
  }

  private void refill(long nowMillis) {
    if (nowMillis <= refilledAt) {
      return;
    }
    // In doubles, so huge gaps or periods cannot overflow; the result is capped at capacity anyway.
    double elapsed = (double) nowMillis - (double) refilledAt;
    double refilled = level + elapsed / periodMillis * capacity;
    level = refilled >= capacity - slack() ? capacity : refilled;
    refilledAt = nowMillis;
  }

  private double slack() {
    return RELATIVE_SLACK * Math.max(1.0, capacity);
  }

  private static long saturatedDifference(long later, long earlier) {
    long difference = later - earlier;
    // Overflow flips the sign: later > earlier was established by the caller.
    return difference < 0 ? Long.MAX_VALUE : difference;
  }

  private static long toPeriodMillis(Duration period) {
    requireNonNull(period, "period");
    long millis;
    try {
      millis = period.toMillis();
    } catch (ArithmeticException tooLong) {
      millis = Long.MAX_VALUE;
    }
    return checkPeriod(millis);
  }

  private static long checkPeriod(long periodMillis) {
    if (periodMillis <= 0) {
      throw new IllegalArgumentException("period must be at least 1 ms, was " + periodMillis + " ms");
    }
    return periodMillis;
  }

  private static double checkCapacity(double capacity) {
    if (!(capacity > 0) || Double.isInfinite(capacity)) {
      throw new IllegalArgumentException("capacity must be positive and finite, was " + capacity);
    }
    return capacity;
  }

  private static void checkAmount(double amount) {
    if (!(amount >= 0) || Double.isInfinite(amount)) {
      throw new IllegalArgumentException("amount must be non-negative and finite, was " + amount);
    }
  }

  private static double checkFinite(double value, String name) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(name + " must be finite, was " + value);
    }
    return value;
  }
}
