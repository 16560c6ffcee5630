package io.switchboard.bench.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class LatencySummaryTest {

  /** 1..1000 µs, once each: the percentiles are known exactly (within HdrHistogram's 3 digits). */
  private static Histogram uniform() {
    Histogram histogram = LatencySummary.newHistogram();
    for (int micros = 1; micros <= 1000; micros++) histogram.recordValue(micros);
    return histogram;
  }

  @Test
  void percentilesComeFromTheHistogram() {
    LatencySummary s = LatencySummary.of("direct", uniform(), Map.of(), 2.0);
    assertEquals(500, s.p50Micros());
    assertEquals(900, s.p90Micros());
    assertEquals(990, s.p99Micros());
    assertEquals(999, s.p999Micros());
    assertEquals(1000, s.maxMicros());
    assertEquals(1000, s.ok());
  }

  @Test
  void throughputCountsOnlySuccessfulRequests() {
    LatencySummary s = LatencySummary.of("x", uniform(), Map.of("HTTP 502", 7L, "ConnectException", 3L), 2.0);
    assertEquals(500.0, s.throughput());
    assertEquals(10, s.errorCount());
    assertEquals(0.0, LatencySummary.of("x", uniform(), Map.of(), 0).throughput());
  }

  @Test
  void addedLatencyIsTheDifferenceOfEachPercentile() {
    Histogram slower = LatencySummary.newHistogram();
    for (int micros = 1; micros <= 1000; micros++) slower.recordValue(micros + 200);
    LatencySummary base = LatencySummary.of("direct", uniform(), Map.of(), 1);
    LatencySummary proxied = LatencySummary.of("proxy", slower, Map.of(), 1);
    long[] added = proxied.addedOver(base);
    assertArrayEquals(new long[] {200, 200, 200}, added);
  }

  @Test
  void aStallIsVisibleInTheTail() {
    Histogram histogram = LatencySummary.newHistogram();
    histogram.recordValue(1_000_000); // one request stuck for a second
    for (int i = 0; i < 998; i++) histogram.recordValue(100);
    LatencySummary s = LatencySummary.of("x", histogram, Map.of(), 1);
    assertEquals(100, s.p99Micros());
    assertTrue(s.maxMicros() >= 999_000);
  }

  @Test
  void aRunWhereEveryRequestFailed_answeredNothing_andItsZeroPercentilesAreNoLatency() {
    LatencySummary failed = LatencySummary.of("down", LatencySummary.newHistogram(),
        Map.of("ConnectException", 20_000L), 20);
    assertFalse(failed.answeredAny());
    assertEquals(0, failed.p99Micros());
    assertTrue(LatencySummary.of("up", uniform(), Map.of(), 1).answeredAny());
  }
}
