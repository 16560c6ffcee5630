package io.switchboard.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.bench.load.LatencySummary;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class HedgeReportTest {

  private static LatencySummary latency(long ok, Map<String, Long> errors, long p50, long p90, long p99, long max) {
    return new LatencySummary("x", ok, errors, 60, p50, p90, p99, (p99 + max) / 2, max);
  }

  @Test
  void table_putsLatencyBesideTheCostPerRequest_fromBothEnds() {
    HedgeReport.Row plain = new HedgeReport.Row("model-a", "none", latency(3000, Map.of(), 51_200, 53_000, 2_051_000,
        2_060_000), 21_400, new HedgeReport.Calls(3000, 0, 150, 0), new HedgeReport.Usage(3000, 24_000, 48_000,
        new BigDecimal("0.0324")));
    // 180 hedges of 3,000 requests, each cancelled loser charged its 8 prompt tokens.
    HedgeReport.Row hedged = new HedgeReport.Row("hedge", "after 100 ms", latency(2999, Map.of("HTTP 504", 1L), 51_300,
        53_400, 152_000, 2_040_000), 495_000, new HedgeReport.Calls(3000, 180, 149, 9), new HedgeReport.Usage(3180, 25_440, 48_000,
        new BigDecimal("0.032616")));

    String[] lines = HedgeReport.table(List.of(plain, hedged)).split("\n");

    assertEquals("| target | hedge | requests | errors | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | upstream calls per request"
        + " | second model called | slow calls (first / second upstream) | tokens per request | cost per 1,000 requests"
        + " | cost vs plain | send lag p99 ms |", lines[0]);
    assertEquals("| model-a | none | 3000 | 0 | 51.20 | 53.00 | 2051.00 | 2055.50 | 2060.00 | 1.000 | 0.0% | 150 / 0 | 24.00"
        + " | $0.0108 | 1.00× | 21.40 |", lines[2]);
    assertEquals("| hedge | after 100 ms | 3000 | HTTP 504: 1 | 51.30 | 53.40 | 152.00 | 1096.00 | 2040.00 | 1.060 | 6.0% | 149 / 9"
        + " | 24.48 | $0.0109 | 1.01× | 495.00 |", lines[3]);
    assertEquals(4, lines.length);
  }

  @Test
  void errors_areListedWithTheirCounts_inAStableOrder() {
    assertEquals("0", HedgeReport.errors(Map.of()));
    assertEquals("ConnectException: 1, HTTP 504: 3", HedgeReport.errors(Map.of("HTTP 504", 3L, "ConnectException", 1L)));
  }

  @Test
  void aRowWithoutRequests_showsZeros_notADivisionByZero() {
    HedgeReport.Row empty = new HedgeReport.Row("hedge", "none", latency(0, Map.of(), 0, 0, 0, 0), 0,
        new HedgeReport.Calls(0, 0, 0, 0), new HedgeReport.Usage(0, 0, 0, BigDecimal.ZERO));
    String line = HedgeReport.table(List.of(empty)).split("\n")[2];
    assertEquals("| hedge | none | 0 | 0 | 0.00 | 0.00 | 0.00 | 0.00 | 0.00 | 0.000 | 0.0% | 0 / 0 | 0.00 | $0.0000 | – | 0.00 |", line);
  }

  @Test
  void tally_addsRoundsIntoOneRow_percentilesOverAllTheirRequests_andTheWorstSendLag() {
    Histogram quick = LatencySummary.newHistogram();
    for (int i = 0; i < 990; i++) quick.recordValue(200_000);
    Histogram slow = LatencySummary.newHistogram();
    for (int i = 0; i < 10; i++) slow.recordValue(2_200_000);
    HedgeReport.Row row = new HedgeReport.Tally("model-a", "none")
        .add(quick, LatencySummary.of("r1", quick, Map.of("HTTP 504", 1L), 20), 21_000,
            new HedgeReport.Calls(991, 0, 40, 0), new HedgeReport.Usage(991, 7928, 15_840, new BigDecimal("0.0107")))
        .add(slow, LatencySummary.of("r2", slow, Map.of("HTTP 504", 2L), 20), 140_000,
            new HedgeReport.Calls(12, 3, 10, 1), new HedgeReport.Usage(12, 96, 160, new BigDecimal("0.0001")))
        .row();

    // 1,000 answered requests: the ten slow ones of the second round are the worst 1%.
    assertEquals(1000, row.latency().ok());
    assertEquals(200_000, row.latency().p99Micros(), 200);
    assertEquals(2_200_000, row.latency().p999Micros(), 2_200);
    assertEquals(Map.of("HTTP 504", 3L), row.latency().errors());
    assertEquals(40.0, row.latency().seconds());
    assertEquals(140_000, row.sendLagP99Micros());
    assertEquals(new HedgeReport.Calls(1003, 3, 50, 1), row.calls());
    assertEquals(new HedgeReport.Usage(1003, 8024, 16_000, new BigDecimal("0.0108")), row.usage());
  }

  @Test
  void calls_since_isWhatTheUpstreamsCountedInAWindow() {
    assertEquals(new HedgeReport.Calls(10, 2, 1, 0),
        new HedgeReport.Calls(110, 12, 6, 3).since(new HedgeReport.Calls(100, 10, 5, 3)));
  }
}
