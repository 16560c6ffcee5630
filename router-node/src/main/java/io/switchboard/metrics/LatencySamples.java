package io.switchboard.metrics;

import java.util.Arrays;

/**
 * The latest {@code capacity} latencies, in a ring: memory is fixed however many calls there are,
 * and percentiles are exact over what it holds (sorted on read; reads are rare, admin requests).
 * Not thread-safe.
 */
final class LatencySamples {
  private final long[] nanos;
  private int next;
  private int size;

  LatencySamples(int capacity) {
    this.nanos = new long[capacity];
  }

  void add(long latencyNanos) {
    nanos[next] = latencyNanos;
    next = (next + 1) % nanos.length;
    if (size < nanos.length) size++;
  }

  int size() {
    return size;
  }

  /** The held latencies, ascending. */
  long[] sorted() {
    long[] copy = Arrays.copyOf(nanos, size);
    Arrays.sort(copy);
    return copy;
  }

  /** Nearest-rank percentile of {@code sorted} (not empty): the smallest value with {@code p} of all at or below it. */
  static long percentile(long[] sorted, double p) {
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
