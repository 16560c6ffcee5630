package io.switchboard.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.bench.upstream.FakeUpstream;
import io.switchboard.bench.upstream.ReplyShape;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The generator's open and closed loops against real servers on loopback: what they count as answered,
 * what they count as an error, and that time to first byte is measured inside the stream.
 */
@Tag("unit")
class HttpLoadTest {
  private static final String PLAIN = "{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final String STREAM = "{\"model\":\"bench-model\",\"stream\":true,\"messages\":[{\"role\":\"user\","
      + "\"content\":\"hi\"}],\"bench_chunks\":2,\"bench_interval_ms\":200}";

  private static FakeUpstream.Running upstream;
  /** Answers {@code /fail} with a 500 and {@code /cut} with an event stream that never sends [DONE]. */
  private static ActorSystem<Void> broken;
  private static int brokenPort;
  private static final HttpLoad LOAD = new HttpLoad();

  @BeforeAll
  static void start() throws Exception {
    upstream = FakeUpstream.start("127.0.0.1", 0, new ReplyShape(false, 4, Duration.ZERO, Duration.ZERO), null)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    broken = ActorSystem.create(Behaviors.empty(), "broken-upstream");
    brokenPort = Http.get(broken).newServerAt("127.0.0.1", 0).bindSync(request -> {
      request.discardEntityBytes(broken);
      if (request.getUri().path().equals("/fail")) {
        return HttpResponse.create().withStatus(StatusCodes.INTERNAL_SERVER_ERROR)
            .withEntity(ContentTypes.APPLICATION_JSON, "{\"error\":{\"message\":\"boom\"}}");
      }
      return HttpResponse.create().withEntity(HttpEntities.create(
          ContentTypes.parse("text/event-stream"),
          Source.single(ByteString.fromString("data: {\"choices\":[]}\n\n"))));
    }).toCompletableFuture().get(30, TimeUnit.SECONDS).localAddress().getPort();
  }

  @AfterAll
  static void stop() {
    LOAD.close();
    if (upstream != null) upstream.stop();
    if (broken != null) broken.terminate();
  }

  private static URI chat() {
    return URI.create("http://127.0.0.1:" + upstream.port() + "/v1/chat/completions");
  }

  @Test
  void openLoop_sendsEveryScheduledRequest_andCountsThemAnswered() throws Exception {
    HttpLoad.OpenLoopResult r = LOAD.openLoopWithLag("direct", chat(), PLAIN, 400, Duration.ZERO, Duration.ofSeconds(1));

    assertEquals(400, r.latency().ok(), "errors: " + r.latency().errors());
    assertEquals(Map.of(), r.latency().errors());
    assertTrue(r.latency().p50Micros() > 0);
    assertEquals(400, r.sendLag().ok(), "one send-lag sample per scheduled request");
  }

  @Test
  void openLoop_overSeveralTargets_sendsToEach() throws Exception {
    HttpLoad.OpenLoopResult r = LOAD.openLoopWithLag("two", List.of(chat(), chat()), PLAIN, 200, Duration.ZERO,
        Duration.ofMillis(500));

    assertEquals(100, r.latency().ok(), "errors: " + r.latency().errors());
  }

  @Test
  void streams_measureFirstByteBeforeTheEnd_andNeedTheDoneEvent() throws Exception {
    // 2 chunks 200 ms apart: the first bytes arrive about 200 ms before the end. (Shorter intervals
    // are not paced exactly: the fake upstream's throttle lets a burst of them through at once.)
    HttpLoad.StreamResult r = LOAD.openLoop("stream", chat(), STREAM, 20, Duration.ofMillis(500), Duration.ofMillis(500));

    assertEquals(10, r.total().ok(), "errors: " + r.total().errors());
    assertTrue(r.total().p50Micros() - r.firstToken().p50Micros() >= 150_000,
        "first byte p50 " + r.firstToken().p50Micros() + " µs, end p50 " + r.total().p50Micros() + " µs");
  }

  @Test
  void errorStatus_isCountedByStatus_notAsAnswered() throws Exception {
    HttpLoad.OpenLoopResult r = LOAD.openLoopWithLag("fail", URI.create("http://127.0.0.1:" + brokenPort + "/fail"),
        PLAIN, 100, Duration.ZERO, Duration.ofMillis(300));

    assertEquals(0, r.latency().ok());
    assertEquals(Map.of("HTTP 500", 30L), r.latency().errors());
  }

  @Test
  void streamWithoutDone_isAnError() throws Exception {
    HttpLoad.StreamResult r = LOAD.openLoop("cut", URI.create("http://127.0.0.1:" + brokenPort + "/cut"), STREAM,
        100, Duration.ZERO, Duration.ofMillis(200));

    assertEquals(0, r.total().ok());
    assertEquals(Map.of("stream without [DONE]", 20L), r.total().errors());
  }

  @Test
  void nobodyListening_isAConnectionError() throws Exception {
    HttpLoad.OpenLoopResult r = LOAD.openLoopWithLag("refused", URI.create("http://127.0.0.1:1/v1/chat/completions"),
        PLAIN, 100, Duration.ZERO, Duration.ofMillis(100));

    assertEquals(Map.of("ConnectException", 10L), r.latency().errors(), "named by the JDK's class, not Netty's");
  }

  @Test
  void closedLoop_keepsSendingUntilTheEnd_onItsConnections() throws Exception {
    LatencySummary r = LOAD.closedLoop("closed", chat(), PLAIN, 4, Duration.ZERO, Duration.ofMillis(500));

    assertEquals(Map.of(), r.errors());
    assertTrue(r.ok() > 40, "four loops for half a second answered only " + r.ok());
  }
}
