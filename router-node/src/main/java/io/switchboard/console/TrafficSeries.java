package io.switchboard.console;

import io.switchboard.usage.UsageRecord;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One node's traffic as a time series for the console: a ring of fixed-width buckets (by default 5 s x
 * 720, the last hour), each counting the calls that settled in it, their failures, tokens and cost, and
 * a bounded sample of their latencies for p50 and p99. Memory is fixed by the settings whatever the
 * traffic: a bucket keeps at most {@link #LATENCY_SAMPLES} latencies (the latest ones once full), so a
 * busy bucket's percentiles are those of its latest calls. Nothing of a request's content is kept.
 *
 * <p>Fed from where calls settle ({@link io.switchboard.usage.Metering#observe}); one lock, held for a
 * few array writes per call and for one pass over the ring per read.
 */
public final class TrafficSeries {
  static final int LATENCY_SAMPLES = 64;

  /** One bucket as the console draws it; latencies null when no call settled in it. */
  public record Point(long t, long requests, long errors, Double p50Ms, Double p99Ms, long tokens, double costUsd) {}

  private final long intervalMillis;
  private final Bucket[] ring;

  public TrafficSeries(long intervalMillis, int buckets) {
    if (intervalMillis < 1 || buckets < 1) throw new IllegalArgumentException("interval and buckets must be positive");
    this.intervalMillis = intervalMillis;
    this.ring = new Bucket[buckets];
  }

  public long intervalMillis() {
    return intervalMillis;
  }

  public synchronized void record(UsageRecord call) {
    long start = Math.floorDiv(call.atEpochMillis(), intervalMillis) * intervalMillis;
    int slot = (int) Math.floorMod(start / intervalMillis, (long) ring.length);
    Bucket bucket = ring[slot];
    if (bucket == null || bucket.start != start) {
      if (bucket != null && bucket.start > start) return; // older than the span kept
      bucket = new Bucket(start);
      ring[slot] = bucket;
    }
    bucket.add(call);
  }

  /** Every bucket of the span ending at {@code nowMillis}, oldest first, empty ones as zeros. */
  public synchronized List<Point> points(long nowMillis) {
    long last = Math.floorDiv(nowMillis, intervalMillis) * intervalMillis;
    List<Point> points = new ArrayList<>(ring.length);
    for (int i = ring.length - 1; i >= 0; i--) {
      long start = last - i * intervalMillis;
      Bucket bucket = ring[(int) Math.floorMod(start / intervalMillis, (long) ring.length)];
      points.add(bucket != null && bucket.start == start ? bucket.point() : new Point(start, 0, 0, null, null, 0, 0));
    }
    return points;
  }

  private static final class Bucket {
    final long start;
    long requests;
    long errors;
    long tokens;
    BigDecimal cost = BigDecimal.ZERO;
    final long[] latencies = new long[LATENCY_SAMPLES];

    Bucket(long start) {
      this.start = start;
    }

    void add(UsageRecord call) {
      latencies[(int) (requests % LATENCY_SAMPLES)] = call.latencyMs();
      requests++;
      if (!UsageRecord.SUCCESS.equals(call.outcome())) errors++;
      tokens += call.promptTokens() + call.completionTokens();
      if (call.costUsd() != null) cost = cost.add(call.costUsd());
    }

    Point point() {
      long[] sorted = Arrays.copyOf(latencies, (int) Math.min(requests, LATENCY_SAMPLES));
      Arrays.sort(sorted);
      return new Point(start, requests, errors, percentile(sorted, 0.50), percentile(sorted, 0.99), tokens,
          cost.doubleValue());
    }

    private static Double percentile(long[] sorted, double p) {
      if (sorted.length == 0) return null;
      return (double) sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    }
  }
}
