package io.switchboard.bench.load;

import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The outcome of one measured run: latency percentiles (microseconds, from an HdrHistogram with three
 * significant digits), how many requests succeeded and failed and why, and the achieved rate.
 */
public record LatencySummary(
    String label, long ok, Map<String, Long> errors, double seconds, long p50Micros, long p90Micros,
    long p99Micros, long p999Micros, long maxMicros) {

  public LatencySummary {
    errors = Map.copyOf(errors);
  }

  /** Summarises {@code histogram} (values in microseconds) of {@code ok} requests over {@code seconds}. */
  public static LatencySummary of(String label, Histogram histogram, Map<String, Long> errors, double seconds) {
    return new LatencySummary(label, histogram.getTotalCount(), new TreeMap<>(errors), seconds,
        histogram.getValueAtPercentile(50.0), histogram.getValueAtPercentile(90.0), histogram.getValueAtPercentile(99.0),
        histogram.getValueAtPercentile(99.9), histogram.getMaxValue());
  }

  /** A histogram sized for request latencies: 1 µs to one hour, three significant digits. */
  public static Histogram newHistogram() {
    return new Histogram(3_600_000_000L, 3);
  }

  public long errorCount() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Whether any request succeeded. A run where none did has percentiles of 0, not a latency: a comparison
   * must leave it out rather than read it as the fastest.
   */
  public boolean answeredAny() {
    return ok > 0;
  }

  /** Successful requests per second over the measured window. */
  public double throughput() {
    return seconds <= 0 ? 0 : ok / seconds;
  }

  /** {@code p50 / p99 / p99.9} of this run minus the same percentile of {@code baseline}, in µs. */
  public long[] addedOver(LatencySummary baseline) {
    return new long[] {p50Micros - baseline.p50Micros, p99Micros - baseline.p99Micros, p999Micros - baseline.p999Micros};
  }
}
