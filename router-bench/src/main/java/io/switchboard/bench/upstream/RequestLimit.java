package io.switchboard.bench.upstream;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * The fake upstream's own requests-per-minute limit, enforced the way OpenAI documents its limits: a
 * budget of {@code perMinute} requests that refills continuously, the whole of it per minute, and a
 * request that arrives when less than one request is left is refused (429). It starts full, and it is
 * started before any gateway, so it is never emptier than a gateway that believes the same limit.
 *
 * <p>Written apart from the gateway's token bucket on purpose: a failover run checks the gateway
 * against independent arithmetic, not against itself. Besides refusals it records how low the budget
 * went (how close the gateway came to the limit) and how many requests arrived in each second, so a
 * report can give the busiest 60-second window. Thread-safe; time comes from {@code nanoTime}.
 */
public final class RequestLimit {
  private final long perMinute;
  private final LongSupplier nanoTime;
  private final long startNanos;
  private long lastNanos;
  private double left;
  private double lowest;
  private long served;
  private long refused;
  private int[] arrivalsPerSecond = new int[600];
  private int lastSecond = -1;

  /** What the limit saw; {@code lowestLeft} below 1 means the gateway came within one request of it. */
  public record Stats(long perMinute, long served, long refused, double lowestLeft, long busiestMinute) {}

  public RequestLimit(long perMinute, LongSupplier nanoTime) {
    if (perMinute < 1) throw new IllegalArgumentException("perMinute must be at least 1, was " + perMinute);
    this.perMinute = perMinute;
    this.nanoTime = nanoTime;
    this.startNanos = nanoTime.getAsLong();
    this.lastNanos = startNanos;
    this.left = perMinute;
    this.lowest = perMinute;
  }

  /** Takes one request from the budget, or refuses it (and counts the refusal) when less than one is left. */
  public synchronized boolean tryAcquire() {
    long now = nanoTime.getAsLong();
    left = Math.min(perMinute, left + (now - lastNanos) * perMinute / 60e9);
    lastNanos = now;
    countArrival(now);
    if (left < 1) {
      refused++;
      return false;
    }
    left -= 1;
    lowest = Math.min(lowest, left);
    served++;
    return true;
  }

  public long perMinute() {
    return perMinute;
  }

  /** Seconds until one request fits again, for the 429's Retry-After (at least 1). */
  public synchronized long retryAfterSeconds() {
    return Math.max(1, (long) Math.ceil((1 - left) * 60.0 / perMinute));
  }

  public synchronized Stats stats() {
    return new Stats(perMinute, served, refused, lowest, busiestMinute());
  }

  private void countArrival(long now) {
    int second = (int) ((now - startNanos) / 1_000_000_000L);
    if (second >= arrivalsPerSecond.length) {
      arrivalsPerSecond = Arrays.copyOf(arrivalsPerSecond, Math.max(second + 1, arrivalsPerSecond.length * 2));
    }
    arrivalsPerSecond[second]++;
    lastSecond = Math.max(lastSecond, second);
  }

  /** Most arrivals (served and refused) in any 60 consecutive whole seconds. */
  private long busiestMinute() {
    long window = 0;
    long max = 0;
    for (int s = 0; s <= lastSecond; s++) {
      window += arrivalsPerSecond[s];
      if (s >= 60) window -= arrivalsPerSecond[s - 60];
      max = Math.max(max, window);
    }
    return max;
  }
}
