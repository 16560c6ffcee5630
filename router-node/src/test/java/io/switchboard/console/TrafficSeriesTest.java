package io.switchboard.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.switchboard.usage.UsageRecord;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class TrafficSeriesTest {
  private static UsageRecord call(long at, long latencyMs, String outcome, long tokens, String cost) {
    return new UsageRecord(at, "req", "key", "m", "p/gpt", tokens, 0, new BigDecimal(cost), latencyMs, null, outcome);
  }

  @Test
  void points_sumEachBucketsCallsErrorsTokensAndCost() {
    TrafficSeries series = new TrafficSeries(5_000, 4);
    series.record(call(10_000, 100, UsageRecord.SUCCESS, 30, "0.01"));
    series.record(call(12_000, 300, "upstream_server_error", 0, "0"));
    series.record(call(16_000, 50, UsageRecord.SUCCESS, 10, "0.02"));

    List<TrafficSeries.Point> points = series.points(19_999);

    assertEquals(List.of(0L, 5_000L, 10_000L, 15_000L), points.stream().map(TrafficSeries.Point::t).toList());
    TrafficSeries.Point busy = points.get(2);
    assertEquals(2, busy.requests());
    assertEquals(1, busy.errors());
    assertEquals(30, busy.tokens());
    assertEquals(0.01, busy.costUsd(), 1e-9);
    assertEquals(100.0, busy.p50Ms());
    assertEquals(300.0, busy.p99Ms());
    assertEquals(0, points.get(1).requests());
    assertNull(points.get(1).p50Ms(), "an empty bucket has no latency, not a latency of 0");
  }

  @Test
  void points_forgetBucketsOlderThanTheSpanKept() {
    TrafficSeries series = new TrafficSeries(1_000, 3);
    series.record(call(0, 10, UsageRecord.SUCCESS, 1, "0"));
    series.record(call(3_500, 10, UsageRecord.SUCCESS, 1, "0")); // same slot as t=0, three buckets later

    List<TrafficSeries.Point> points = series.points(3_999);

    assertEquals(List.of(1_000L, 2_000L, 3_000L), points.stream().map(TrafficSeries.Point::t).toList());
    assertEquals(1, points.stream().mapToLong(TrafficSeries.Point::requests).sum());
  }

  @Test
  void record_keepsABoundedSampleOfLatenciesPerBucket() {
    TrafficSeries series = new TrafficSeries(60_000, 1);
    for (int i = 0; i < 1_000; i++) series.record(call(1_000, i < 900 ? 10_000 : 5, UsageRecord.SUCCESS, 0, "0"));

    TrafficSeries.Point point = series.points(1_000).get(0);

    assertEquals(1_000, point.requests(), "every call is counted");
    assertEquals(5.0, point.p99Ms(), "percentiles come from the latest " + TrafficSeries.LATENCY_SAMPLES + " calls");
  }
}
