package io.switchboard.metrics;

import io.switchboard.config.MetricsSettings;
import io.switchboard.provider.CallOutcome;
import io.switchboard.ratelimit.SlidingWindowCounter;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-provider call statistics for {@code GET /admin/providers} (AUDIT D4), in memory and bounded:
 * request and success rates over a sliding window of fixed sub-buckets, and latency percentiles and
 * average over the latest {@code latency-samples} calls. One entry per upstream call (a retry is a
 * call of its own); a call the client abandoned before the upstream answered ({@link
 * CallOutcome.NotSent}) is not counted. Latency runs from sending the request to the end of the answer
 * (for a stream, its last event). Statistics are this node's own and start empty at start-up.
 */
public final class ProviderStatistics {
  private static final int WINDOW_BUCKETS = 12;

  /** What {@code GET /admin/providers} shows of one provider's calls. */
  public record View(
      long requests,
      long succeeded,
      long failed,
      double requestsPerSecond,
      Double successRate,
      long windowSeconds,
      int latencySamples,
      Double latencyP50Ms,
      Double latencyP95Ms,
      Double latencyP99Ms,
      Double averageResponseMs) {}

  private final Clock clock;
  private final MetricsSettings settings;
  private final Map<String, Calls> byProvider = new ConcurrentHashMap<>();

  public ProviderStatistics(MetricsSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
  }

  /** Records one call to {@code provider} that ended with {@code outcome} after {@code latencyNanos}. */
  public void record(String provider, CallOutcome outcome, long latencyNanos) {
    if (outcome instanceof CallOutcome.NotSent) return;
    calls(provider).record(outcome instanceof CallOutcome.Succeeded, latencyNanos, clock.millis());
  }

  public View view(String provider) {
    return calls(provider).view(clock.millis(), settings.statsWindow());
  }

  private Calls calls(String provider) {
    return byProvider.computeIfAbsent(provider, p -> new Calls(settings));
  }

  /** One provider's counts; guarded by its own lock, held for a few array writes per call. */
  private static final class Calls {
    private final SlidingWindowCounter recent;
    private final SlidingWindowCounter recentSuccesses;
    private final LatencySamples latencies;
    private long requests;
    private long succeeded;

    Calls(MetricsSettings settings) {
      this.recent = new SlidingWindowCounter(settings.statsWindow(), WINDOW_BUCKETS);
      this.recentSuccesses = new SlidingWindowCounter(settings.statsWindow(), WINDOW_BUCKETS);
      this.latencies = new LatencySamples(settings.latencySamples());
    }

    synchronized void record(boolean success, long latencyNanos, long nowMillis) {
      requests++;
      recent.add(nowMillis, 1);
      if (success) {
        succeeded++;
        recentSuccesses.add(nowMillis, 1);
      }
      latencies.add(latencyNanos);
    }

    synchronized View view(long nowMillis, Duration window) {
      long inWindow = recent.sum(nowMillis);
      long okInWindow = recentSuccesses.sum(nowMillis);
      long[] sorted = latencies.sorted();
      Double p50 = null;
      Double p95 = null;
      Double p99 = null;
      Double average = null;
      if (sorted.length > 0) {
        p50 = millis(LatencySamples.percentile(sorted, 0.50));
        p95 = millis(LatencySamples.percentile(sorted, 0.95));
        p99 = millis(LatencySamples.percentile(sorted, 0.99));
        long sum = 0;
        for (long l : sorted) sum += l;
        average = millis(sum / sorted.length);
      }
      return new View(requests, succeeded, requests - succeeded, round((double) inWindow / window.toSeconds()),
          inWindow == 0 ? null : round((double) okInWindow / inWindow), window.toSeconds(), sorted.length,
          p50, p95, p99, average);
    }

    private static double millis(long nanos) {
      return round(nanos / 1e6);
    }

    private static double round(double value) {
      return Math.round(value * 1000) / 1000.0;
    }
  }
}
