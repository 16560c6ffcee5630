package io.switchboard.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class WrkReportTest {
  private static final String OUTPUT = """
      Running 20s test @ http://127.0.0.1:9100/v1/chat/completions
        2 threads and 64 connections
        Thread Stats   Avg      Stdev     Max   +/- Stdev
          Latency     3.10ms    2.01ms  40.12ms   90.00%
          Req/Sec    10.51k     1.20k   13.00k    70.00%
        Latency Distribution
           50%    2.71ms
           75%    3.50ms
           90%    4.80ms
           99%   10.20ms
        418000 requests in 20.00s, 250.00MB read
        Socket errors: connect 0, read 2, write 0, timeout 5
        Non-2xx or 3xx responses: 11
      Requests/sec:  20900.12
      Transfer/sec:     12.50MB
      """;

  @Test
  void readsRateLatencyAndEveryKindOfError() {
    WrkReport report = WrkReport.parse(OUTPUT);
    assertEquals(20900.12, report.requestsPerSecond(), 0.001);
    assertEquals("2.71ms", report.p50());
    assertEquals("10.20ms", report.p99());
    assertEquals(18, report.errors());
    assertEquals(418_000, report.requests());
  }

  @Test
  void anEmptyOutputReadsAsNothing() {
    WrkReport report = WrkReport.parse("");
    assertEquals(0, report.requestsPerSecond());
    assertEquals("–", report.p99());
    assertEquals(0, report.errors());
    assertEquals(0, report.requests());
  }

  @Test
  void theLuaScriptPostsTheBodyEscaped() {
    String lua = WrkReport.luaScript("{\"model\":\"a\\\\b\"}");
    assertEquals("wrk.method = \"POST\"\n"
        + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
        + "wrk.body = \"{\\\"model\\\":\\\"a\\\\\\\\b\\\"}\"\n", lua);
  }
}
