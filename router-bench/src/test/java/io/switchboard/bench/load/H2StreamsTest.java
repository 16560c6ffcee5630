package io.switchboard.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.bench.upstream.FakeReplies;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Held streams over h2c: how many connections they need, and against an in-process Pekko HTTP server
 * speaking HTTP/2 (4 SSE chunks 50 ms apart, then {@code [DONE]}) that every stream is established,
 * completed and carried by the connections asked for.
 */
@Tag("unit")
class H2StreamsTest {
  private static final String BODY = "{\"model\":\"bench-model\",\"stream\":true}";
  private static ActorSystem server;
  private static int port;
  /** The client ports the server saw: one per connection. */
  private static final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
  private static final AtomicInteger answered = new AtomicInteger();

  @BeforeAll
  static void startServer() throws Exception {
    server = ActorSystem.create("h2-server", ConfigFactory.parseString("""
        pekko.loglevel = WARNING
        pekko.http.server.remote-address-attribute = on
        """).withFallback(ConfigFactory.load()));
    port = Http.get(server).newServerAt("127.0.0.1", 0)
        .adaptSettings(s -> s.withEnableHttp2(true))
        .bind(H2StreamsTest::answer)
        .toCompletableFuture().get(30, TimeUnit.SECONDS)
        .localAddress().getPort();
  }

  private static final FakeReplies REPLIES = new FakeReplies("bench-model", 1_700_000_000L);

  private static CompletionStage<HttpResponse> answer(HttpRequest request) {
    request.getAttribute(AttributeKeys.remoteAddress).ifPresent(a -> clientPorts.add(a.getPort()));
    request.discardEntityBytes(server);
    String id = "chatcmpl-" + answered.incrementAndGet();
    Source<ByteString, ?> events = Source.range(0, 3)
        .map(i -> ByteString.fromArrayUnsafe(REPLIES.chunkEvent(id, i, 4)))
        .throttle(1, Duration.ofMillis(50))
        .concat(Source.single(ByteString.fromString(FakeReplies.DONE_EVENT)));
    return CompletableFuture.completedFuture(HttpResponse.create()
        .withEntity(HttpEntities.create(ContentTypes.create(MediaTypes.TEXT_EVENT_STREAM), events)));
  }

  @AfterAll
  static void stopServer() {
    server.terminate();
  }

  @Test
  void connectionsFor_isTheStreamsDividedByWhatOneConnectionCarries_roundedUp() {
    assertEquals(1, H2Streams.connectionsFor(1, 1000));
    assertEquals(10, H2Streams.connectionsFor(10_000, 1000));
    assertEquals(3, H2Streams.connectionsFor(2001, 1000));
    assertEquals(40, H2Streams.connectionsFor(10_000, 256));
    assertThrows(IllegalArgumentException.class, () -> H2Streams.connectionsFor(0, 1000));
    assertThrows(IllegalArgumentException.class, () -> H2Streams.connectionsFor(10, 0));
  }

  @Test
  void fiftyStreamsOverTwoConnections_areAllEstablished_probed_andCompleted() throws Exception {
    clientPorts.clear();
    AtomicInteger answeredWhileHeld = new AtomicInteger(-1);

    HttpLoad.HeldStreams held = H2Streams.hold(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"),
        BODY, 50, 25, 1000, Duration.ofSeconds(10), () -> answeredWhileHeld.set(answered.get()));

    assertEquals(new HttpLoad.HeldStreams(50, 50, 50, Map.of()), held);
    assertTrue(answeredWhileHeld.get() >= 50, "the probe ran once every stream had its first bytes");
    assertEquals(2, clientPorts.size(), "the streams shared two connections: " + clientPorts);
  }

  @Test
  void nothingListening_countsEveryStreamAsAnError_andStillRunsTheProbe() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    AtomicInteger probes = new AtomicInteger();

    HttpLoad.HeldStreams held = H2Streams.hold(URI.create("http://127.0.0.1:" + closedPort + "/v1/chat/completions"),
        BODY, 10, 5, 1000, Duration.ofSeconds(10), probes::incrementAndGet);

    assertEquals(0, held.established());
    assertEquals(0, held.completed());
    assertEquals(10L, held.errors().values().stream().mapToLong(Long::longValue).sum(), held.errors().toString());
    assertEquals(1, probes.get());
  }
}
