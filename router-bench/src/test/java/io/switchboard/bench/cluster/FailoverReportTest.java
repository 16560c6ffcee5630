package io.switchboard.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

  private final FailoverReport.Setup setup = new FailoverReport.Setup("deploy/cluster.sh failover", FailoverReport.Mode.KILL, 3, 200, 0.2, 4800, "test box");

  @Test
  void requestsAreSplitBetweenTheKilledNodeAndTheSurvivors_beforeAndAfterTheKill() {
    List<Sent> sent = List.of(
        new Sent(1, 100, 110, false, OK),
        new Sent(1, 4_990, 5_000, true, RESET),
        new Sent(2, 200, 210, false, OK),
        new Sent(3, 4_000, 4_010, false, LIMITED),
        new Sent(2, 6_000, 6_010, false, OK),
        new Sent(3, 7_000, 7_010, true, OK));
    FailoverLoad.Result result = new FailoverLoad.Result(sent,
        List.of(new Timeline.Event(5_000, "SIGKILL node-1", true)), 0, 0, Duration.ofSeconds(10));

    String report = FailoverReport.render(setup, new FailoverReport.Disruption(1, 5_000, 5_000), result,
        new RequestLimit.Stats(4800, 5, 0, 120.5, 6), 5_000);

    assertTrue(report.contains("| all | 6 | 4 | 1 | 0 | 1 |"), report);
    assertTrue(report.contains("| to node-1 (killed) | 2 | 1 | 0 | 0 | 1 |"), report);
    assertTrue(report.contains("| to the survivors, due before the kill | 2 | 1 | 1 | 0 | 0 |"), report);
    assertTrue(report.contains("| to the survivors, due after the kill | 2 | 2 | 0 | 0 | 0 |"), report);
    assertTrue(report.contains("| lost: connection reset | 1 | 0 | 5.0 | 5.0 | 5.0 | 5.0 | 5.0 | 5.0 |"), report);
    assertTrue(report.contains("| node | due (s) | written (s) | ended (s) | kind | ending |\n|---|---|---|---|---|---|\n"
        + "| node-1 | 5.0 | 5.0 | 5.0 | stream | connection reset |\n"), report);
    assertTrue(report.contains("| 4800 | 5 | 0 | 120.5 | 6 |"), report);
    assertTrue(report.contains("never refused a request"), report);
    assertTrue(report.contains("| 5.0 | 2 | 2 | 0 | 0 | 0 | 0.0 | SIGKILL node-1 |"), report);
    assertTrue(report.contains("answered the survivors again (a 200, or a 429 of its limit) from **6.0 s**, 1.0 s after"
        + " the kill"), report);
  }

  @Test
  void theProviderAnsweringAgain_isTheFirstAnswerAfterTheKillThatIsNotA503() {
    Outcome unavailable = new Outcome(Kind.CLEAN_ERROR, "HTTP 503 provider_unavailable");
    List<Sent> sent = List.of(
        new Sent(2, 4_000, 9_000, false, OK),           // due before the kill: the old entity's, or a wait
        new Sent(1, 5_500, 5_600, false, OK),           // the killed node's own
        new Sent(2, 5_100, 15_100, false, unavailable), // waited out its deadline: no entity
        new Sent(3, 6_000, 14_900, false, LIMITED),     // the new entity's 429: the first answer
        new Sent(2, 7_000, 15_000, false, OK));
    String text = FailoverReport.answeredAgain(sent, new FailoverReport.Disruption(1, 5_000, 5_000));
    assertTrue(text.contains("from **14.9 s**, 9.9 s after the kill"), text);
    assertTrue(FailoverReport.answeredAgain(List.of(sent.get(2)), new FailoverReport.Disruption(1, 5_000, 5_000))
        .contains("never answered the survivors again"));
  }

  @Test
  void anUpstreamThatRefused_saysTheLimitWasExceeded() {
    FailoverLoad.Result result = new FailoverLoad.Result(List.of(new Sent(2, 0, 1, false, OK)), List.of(), 3, 4,
        Duration.ofSeconds(1));
    String report = FailoverReport.render(setup, new FailoverReport.Disruption(1, 0, 0), result,
        new RequestLimit.Stats(4800, 1, 7, 0, 8), 5_000);
    assertTrue(report.contains("refused 7 requests: the gateway exceeded its limit"), report);
    assertTrue(report.contains("3 more were not sent: 4000 requests were already unanswered"), report);
    assertTrue(report.contains("4 more were not sent: no node was in rotation"), report);
  }

  @Test
  void aPausedNodesRequestsAreCountedApart_andTheOthersAreSplitBeforeDuringAndAfterThePause() {
    List<Sent> sent = List.of(
        new Sent(1, 1_000, 1_010, false, OK),
        new Sent(1, 4_990, 40_000, false, RESET),
        new Sent(1, 36_000, 36_010, false, OK),
        new Sent(2, 4_000, 4_010, false, OK),
        new Sent(2, 6_000, 6_010, false, LIMITED),
        new Sent(3, 20_000, 20_010, true, RESET),
        new Sent(3, 36_000, 36_010, false, OK));
    FailoverLoad.Result result = new FailoverLoad.Result(sent, List.of(
        new Timeline.Event(5_000, "SIGSTOP node-1", true),
        new Timeline.Event(12_000, "node-2: ready; sees node-1 Up, node-2 Up, node-3 Up; unreachable node-1", false),
        new Timeline.Event(35_000, "SIGCONT node-1", true)), 0, 0, Duration.ofSeconds(40));
    FailoverReport.Setup pause = new FailoverReport.Setup("deploy/cluster.sh pause", FailoverReport.Mode.PAUSE, 3, 200,
        0.2, 4800, "test box");

    String report = FailoverReport.render(pause, new FailoverReport.Disruption(1, 5_000, 35_000), result,
        new RequestLimit.Stats(4800, 5, 0, 120.5, 6), 5_000);

    assertTrue(report.startsWith("# Paused-node run: SIGSTOP of one node of 3 under load"), report);
    assertTrue(report.contains("node-1 frozen with SIGSTOP at 5.0 s, resumed with SIGCONT at 35.0 s"), report);
    assertTrue(report.contains("| to node-1 (paused), due before the pause | 2 | 1 | 0 | 0 | 1 |"), report);
    assertTrue(report.contains("| to node-1 (paused), due after the resume | 1 | 1 | 0 | 0 | 0 |"), report);
    assertTrue(report.contains("| to the others, due before the pause | 1 | 1 | 0 | 0 | 0 |"), report);
    assertTrue(report.contains("| to the others, due during the pause | 2 | 0 | 1 | 0 | 1 |"), report);
    assertTrue(report.contains("| to the others, due after the resume | 1 | 1 | 0 | 0 | 0 |"), report);
    assertTrue(report.contains("| ending | paused node | others | due from (s) | due until (s) | written from (s) |"
        + " written until (s) | ended from (s) | ended until (s) |"), report);
    assertTrue(report.contains("| lost: connection reset | 1 | 1 | 5.0 | 20.0 | 5.0 | 20.0 | 20.0 | 40.0 |"), report);
    assertTrue(report.contains("- 12.0 s: node-2: ready; sees node-1 Up, node-2 Up, node-3 Up; unreachable node-1\n"), report);
    assertTrue(report.contains("- 35.0 s: **SIGCONT node-1**\n"), report);
    assertTrue(report.contains("| 35.0 | 2 | 2 | 0 | 0 | 0 | 0.0 | SIGCONT node-1 |"), report);
    assertTrue(report.contains("before, during or after the pause"), report);
  }

  @Test
  void aRollingRestartIsReportedByNode_withEveryRestartMarkedInTheTimeline() {
    List<Sent> sent = List.of(
        new Sent(1, 1_000, 1_010, false, OK),
        new Sent(2, 2_000, 2_010, true, OK),
        new Sent(3, 3_000, 3_010, false, OK),
        new Sent(2, 6_000, 8_500, 8_510, false, RESET),          // written 2.5 s late
        new Sent(3, 7_000, Sent.NEVER, 7_010, false, new Outcome(Kind.UNCLEAN_ERROR,
            "HTTP 502 without the OpenAI error envelope")));        // never written: no connection
    FailoverLoad.Result result = new FailoverLoad.Result(sent, List.of(
        new Timeline.Event(5_500, "SIGTERM node-1", true),
        new Timeline.Event(6_500, "node-1 exited by itself, code 0", false),
        new Timeline.Event(7_000, "start node-1", true)), 0, 0, Duration.ofSeconds(10));
    FailoverReport.Setup rolling = new FailoverReport.Setup("deploy/cluster.sh rolling", FailoverReport.Mode.ROLLING, 3,
        100, 0.2, 12_000, "test box");

    String report = FailoverReport.render(rolling, FailoverReport.Disruption.NONE, result,
        new RequestLimit.Stats(12_000, 4, 0, 11_000, 4), 5_000);

    assertTrue(report.startsWith("# Rolling restart of 3 nodes under load"), report);
    assertTrue(report.contains("| all | 5 | 3 | 0 | 1 | 1 |"), report);
    assertTrue(report.contains("| to node-1 | 1 | 1 | 0 | 0 | 0 |"), report);
    assertTrue(report.contains("| to node-2 | 2 | 1 | 0 | 0 | 1 |"), report);
    assertTrue(report.contains("| to node-3 | 2 | 1 | 0 | 1 | 0 |"), report);
    assertTrue(report.contains("| ending | node-1 | node-2 | node-3 | due from (s) | due until (s) | written from (s) |"
        + " written until (s) | ended from (s) | ended until (s) |"), report);
    assertTrue(report.contains("| lost: connection reset | 0 | 1 | 0 | 6.0 | 6.0 | 8.5 | 8.5 | 8.5 | 8.5 |"), report);
    assertTrue(report.contains("| unclean error: HTTP 502 without the OpenAI error envelope | 0 | 0 | 1 | 7.0 | 7.0 | never |"
        + " never | 7.0 | 7.0 |"), report);
    assertTrue(report.contains("| node-2 | 6.0 | 8.5 | 8.5 | plain | connection reset |"), report);
    assertTrue(report.contains("| 5.0 | 2 | 0 | 0 | 1 | 1 | 2.5 | SIGTERM node-1; start node-1 |"), report);
  }

  @Test
  void everyRequestIsListedInDueOrder_forReadingWhatTheReportSumsUp() {
    String csv = FailoverReport.csv(List.of(
        new Sent(2, 6_000, 8_500, 8_510, false, RESET),
        new Sent(1, 1_000, 1_010, true, OK),
        new Sent(3, 7_000, Sent.NEVER, 7_010, false, new Outcome(Kind.LOST, "timed out"))));
    assertEquals("node,due_ms,written_ms,ended_ms,stream,kind,ending\n"
        + "1,1000,1000,1010,true,succeeded,\"HTTP 200\"\n"
        + "2,6000,8500,8510,false,lost,\"connection reset\"\n"
        + "3,7000,,7010,false,lost,\"timed out\"\n", csv);
  }
}
