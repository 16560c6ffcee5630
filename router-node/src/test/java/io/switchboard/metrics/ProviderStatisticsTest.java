package io.switchboard.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.switchboard.ManualClock;
import io.switchboard.config.MetricsSettings;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.UpstreamSignals;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ProviderStatisticsTest {
  private static final CallOutcome OK = new CallOutcome.Succeeded(null, UpstreamSignals.NONE);
  private static final CallOutcome FAILED = new CallOutcome.Failed(true, false, UpstreamSignals.NONE);

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));
  private final ProviderStatistics stats =
      new ProviderStatistics(new MetricsSettings(Duration.ofSeconds(5), Duration.ofMinutes(1), 100), clock);

  private static long ms(long millis) {
    return Duration.ofMillis(millis).toNanos();
  }

  @Test
  void knownCalls_giveTheirRatesPercentilesAndAverage() {
    // 100 calls of 1..100 ms; every tenth failed.
    for (int i = 1; i <= 100; i++) stats.record("p", i % 10 == 0 ? FAILED : OK, ms(i));

    ProviderStatistics.View v = stats.view("p");
    assertEquals(100, v.requests());
    assertEquals(90, v.succeeded());
    assertEquals(10, v.failed());
    assertEquals(0.9, v.successRate());
    assertEquals(100 / 60.0, v.requestsPerSecond(), 0.001);
    assertEquals(50.0, v.latencyP50Ms());
    assertEquals(95.0, v.latencyP95Ms());
    assertEquals(99.0, v.latencyP99Ms());
    assertEquals(50.5, v.averageResponseMs());
  }

  @Test
  void rates_coverOnlyTheWindow_whileTotalsKeepCounting() {
    stats.record("p", FAILED, ms(10));
    clock.advance(Duration.ofMinutes(2));
    stats.record("p", OK, ms(10));

    ProviderStatistics.View v = stats.view("p");
    assertEquals(2, v.requests());
    assertEquals(1.0, v.successRate(), "the failure two minutes ago is outside the one-minute window");
    assertEquals(1 / 60.0, v.requestsPerSecond(), 0.001);
  }

  @Test
  void latencies_keepOnlyTheLatestSamples() {
    for (int i = 0; i < 100; i++) stats.record("p", OK, ms(1000));
    for (int i = 0; i < 100; i++) stats.record("p", OK, ms(5));

    ProviderStatistics.View v = stats.view("p");
    assertEquals(100, v.latencySamples());
    assertEquals(5.0, v.latencyP99Ms(), "the 100 slow calls were pushed out of the 100-sample ring");
  }

  @Test
  void callsThatNeverReachedTheUpstream_areNotCounted_andAnIdleProviderHasNoFigures() {
    stats.record("p", CallOutcome.NOT_SENT, ms(3));

    ProviderStatistics.View v = stats.view("p");
    assertEquals(0, v.requests());
    assertNull(v.successRate());
    assertNull(v.latencyP50Ms());
    assertNull(v.averageResponseMs());
  }
}
