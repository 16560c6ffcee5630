package io.switchboard.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.bench.load.LatencySummary;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
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
        2_060_000), new HedgeReport.Calls(3000, 0, 150, 0), new HedgeReport.Usage(3000, 24_000, 48_000,
        new BigDecimal("0.0324")));
    // 180 hedges of 3,000 requests, each cancelled loser charged its 8 prompt tokens.
    HedgeReport.Row hedged = new HedgeReport.Row("hedge", "after 100 ms", latency(2999, Map.of("HTTP 504", 1L), 51_300,
        53_400, 152_000, 2_040_000), new HedgeReport.Calls(3000, 180, 149, 9), new HedgeReport.Usage(3180, 25_440, 48_000,
        new BigDecimal("0.032616")));

    String[] lines = HedgeReport.table(List.of(plain, hedged)).split("\n");

    assertEquals("| target | hedge | requests | errors | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | upstream calls per request"
        + " | second model called | slow calls (first / second upstream) | tokens per request | cost per 1,000 requests"
        + " | cost vs plain |", lines[0]);
    assertEquals("| model-a | none | 3000 | 0 | 51.20 | 53.00 | 2051.00 | 2055.50 | 2060.00 | 1.000 | 0.0% | 150 / 0 | 24.00"
        + " | $0.0108 | 1.00× |", lines[2]);
    assertEquals("| hedge | after 100 ms | 3000 | HTTP 504: 1 | 51.30 | 53.40 | 152.00 | 1096.00 | 2040.00 | 1.060 | 6.0% | 149 / 9"
        + " | 24.48 | $0.0109 | 1.01× |", lines[3]);
    assertEquals(4, lines.length);
  }

  @Test
  void errors_areListedWithTheirCounts_inAStableOrder() {
    assertEquals("0", HedgeReport.errors(Map.of()));
    assertEquals("ConnectException: 1, HTTP 504: 3", HedgeReport.errors(Map.of("HTTP 504", 3L, "ConnectException", 1L)));
  }

  @Test
  void aRowWithoutRequests_showsZeros_notADivisionByZero() {
    HedgeReport.Row empty = new HedgeReport.Row("hedge", "none", latency(0, Map.of(), 0, 0, 0, 0),
        new HedgeReport.Calls(0, 0, 0, 0), new HedgeReport.Usage(0, 0, 0, BigDecimal.ZERO));
    String line = HedgeReport.table(List.of(empty)).split("\n")[2];
    assertEquals("| hedge | none | 0 | 0 | 0.00 | 0.00 | 0.00 | 0.00 | 0.00 | 0.000 | 0.0% | 0 / 0 | 0.00 | $0.0000 | – |", line);
  }
}
