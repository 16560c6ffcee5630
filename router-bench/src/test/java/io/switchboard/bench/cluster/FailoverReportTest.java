package io.switchboard.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.bench.cluster.FailoverLoad.Sent;
import io.switchboard.bench.cluster.Outcome.Kind;
import io.switchboard.bench.upstream.RequestLimit;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class FailoverReportTest {
  private static final Outcome OK = new Outcome(Kind.SUCCEEDED, "HTTP 200");
  private static final Outcome LIMITED = new Outcome(Kind.CLEAN_ERROR, "HTTP 429 rate_limit_exceeded");
  private static final Outcome RESET = new Outcome(Kind.LOST, "connection reset");

  private final FailoverReport.Setup setup = new FailoverReport.Setup("deploy/cluster.sh failover", 3, 200, 0.2, 4800, "test box");

  @Test
  void requestsAreSplitBetweenTheKilledNodeAndTheSurvivors_beforeAndAfterTheKill() {
    List<Sent> sent = List.of(
        new Sent(1, 100, 110, false, OK),
        new Sent(1, 4_990, 5_000, true, RESET),
        new Sent(2, 200, 210, false, OK),
        new Sent(3, 4_000, 4_010, false, LIMITED),
        new Sent(2, 6_000, 6_010, false, OK),
        new Sent(3, 7_000, 7_010, true, OK));
    FailoverLoad.Result result = new FailoverLoad.Result(sent, 1, 5_000, 0, Duration.ofSeconds(10));

    String report = FailoverReport.render(setup, result, new RequestLimit.Stats(4800, 5, 0, 120.5, 6), 5_000);

    assertTrue(report.contains("| all | 6 | 4 | 1 | 0 | 1 |"), report);
    assertTrue(report.contains("| to node-1 (killed) | 2 | 1 | 0 | 0 | 1 |"), report);
    assertTrue(report.contains("| to the survivors, due before the kill | 2 | 1 | 1 | 0 | 0 |"), report);
    assertTrue(report.contains("| to the survivors, due after the kill | 2 | 2 | 0 | 0 | 0 |"), report);
    assertTrue(report.contains("| lost: connection reset | 1 | 0 |"), report);
    assertTrue(report.contains("| 4800 | 5 | 0 | 120.5 | 6 |"), report);
    assertTrue(report.contains("never refused a request"), report);
    assertTrue(report.contains("| 5.0 | 2 | 2 | 0 | 0 | 0 | kill |"), report);
  }

  @Test
  void anUpstreamThatRefused_saysTheLimitWasExceeded() {
    FailoverLoad.Result result = new FailoverLoad.Result(List.of(new Sent(2, 0, 1, false, OK)), 1, 0, 3, Duration.ofSeconds(1));
    String report = FailoverReport.render(setup, result, new RequestLimit.Stats(4800, 1, 7, 0, 8), 5_000);
    assertTrue(report.contains("refused 7 requests: the gateway exceeded its limit"), report);
    assertTrue(report.contains("3 more were not sent"), report);
  }
}
