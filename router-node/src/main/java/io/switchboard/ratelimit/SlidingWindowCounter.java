package io.switchboard.ratelimit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Arrays;

/**
 * A count of events over the last {@code window}, kept in a fixed number of sub-buckets so memory
 * stays bounded however many events arrive. The price is granularity: an event leaves the count up to
 * one sub-bucket ({@code window / buckets}) late. Times are passed in; not thread-safe.
 *
 * <pre>{@code
 * SlidingWindowCounter failures = new SlidingWindowCounter(Duration.ofSeconds(30), 10);
 * failures.add(now, 1);
 * long recent = failures.sum(now);   // failures in roughly the last 30 s
 * }</pre>
 */
public final class SlidingWindowCounter {
  private final long bucketMillis;
  private final long[] bucketIndex;
  private final long[] counts;

  /** Counts over {@code window}, split into {@code buckets} sub-buckets (the window is rounded up to fit). */
  public SlidingWindowCounter(Duration window, int buckets) {
    requireNonNull(window, "window");
    if (buckets < 1) {
      throw new IllegalArgumentException("buckets must be at least 1, was " + buckets);
    }
    long windowMillis = window.toMillis();
    if (windowMillis < buckets) {
      throw new IllegalArgumentException(
          "window must be at least 1 ms per bucket, was " + windowMillis + " ms for " + buckets + " buckets");
    }
    this.bucketMillis = (windowMillis + buckets - 1) / buckets;
    this.bucketIndex = new long[buckets];
    this.counts = new long[buckets];
    Arrays.fill(bucketIndex, Long.MIN_VALUE);
  }

  /** Records {@code count} events at {@code nowMillis}. */
  public void add(long nowMillis, long count) {
    long index = Math.floorDiv(nowMillis, bucketMillis);
    int slot = (int) Math.floorMod(index, (long) counts.length);
    if (bucketIndex[slot] != index) {
      bucketIndex[slot] = index;
      counts[slot] = 0;
    }
    counts[slot] += count;
  }

  /** The events recorded in the window ending at {@code nowMillis}. */
  public long sum(long nowMillis) {
    long current = Math.floorDiv(nowMillis, bucketMillis);
    long oldest = current - counts.length + 1;
    long sum = 0;
    for (int i = 0; i < counts.length; i++) {
      if (bucketIndex[i] >= oldest && bucketIndex[i] <= current) {
        sum += counts[i];
      }
    }
    return sum;
  }

  /** Forgets every event. */
  public void clear() {
    Arrays.fill(bucketIndex, Long.MIN_VALUE);
    Arrays.fill(counts, 0);
  }
}
