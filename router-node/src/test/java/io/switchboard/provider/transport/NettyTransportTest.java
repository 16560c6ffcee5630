package io.switchboard.provider.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.ProviderSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.Abandonment;
import io.switchboard.provider.FakeUpstream;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamException.Kind;
import io.switchboard.provider.UpstreamHttp;
import io.switchboard.provider.openai.FakeOpenAi;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Netty upstream client ({@code connection-pool.client = netty}) under {@link UpstreamHttp}, as the
 * adapters use it: answers arrive whole, streams arrive event by event, error answers keep their status
 * and headers, connections are reused and capped, failures are told as with Pekko's pool, and a call
 * its caller abandons before the response headers has its connection closed at once.
 */
@Tag("integration")
class NettyTransportTest {
  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();

  private static final ActorTestKit kit = ActorTestKit.create("netty-transport");
  private static final Materializer materializer = Materializer.matFromSystem(kit.system());
  private static final String ANSWER = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\"}";

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** A Netty client for provider {@code p} at {@code baseUrl}, with {@code hocon} laid over its settings. */
  private static UpstreamHttp client(String baseUrl, String hocon) {
    return client(baseUrl, hocon, false);
  }

  private static UpstreamHttp client(String baseUrl, String hocon, boolean refusedMeansUnavailable) {
    ProviderSettings settings = SwitchboardSettings.from(ConfigFactory.parseString("switchboard.providers.p {"
            + " kind = openai\nopenai.base-url = \"" + baseUrl + "\"\nconnection-pool.client = netty\n" + hocon + "\n}")
        .withFallback(ConfigFactory.load()).resolve(), k -> null).providers().get("p");
    assertEquals(ProviderSettings.Client.NETTY, settings.client());
    return new UpstreamHttp(kit.system(), settings, baseUrl, refusedMeansUnavailable);
  }

  private static HttpRequest chat(String baseUrl, String body) {
    return UpstreamHttp.post(Uri.create(baseUrl + "/chat/completions"))
        .addHeader(RawHeader.create("Authorization", "Bearer sk-test"))
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body));
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static UpstreamException failure(CompletionStage<?> stage) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> stage.toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof UpstreamException, "an UpstreamException, not " + e.getCause());
    return (UpstreamException) e.getCause();
  }

  private static String answer(UpstreamHttp http, HttpRequest request) throws Exception {
    HttpResponse response = await(http.send(request));
    assertEquals(200, response.status().intValue());
    return await(http.body(response)).utf8String();
  }

  @Test
  void aJsonAnswer_arrivesWhole_andTheRequestArrivedAsSent() throws Exception {
    upstream.answer(FakeUpstream.rawOk(ANSWER));
    UpstreamHttp http = client(upstream.baseUrl(), "");
    String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    HttpResponse response = await(http.send(chat(upstream.baseUrl(), body)));

    assertEquals(200, response.status().intValue());
    assertTrue(UpstreamHttp.succeeded(response));
    assertEquals(ContentTypes.APPLICATION_JSON, response.entity().getContentType());
    assertEquals(ANSWER, await(http.body(response)).utf8String());
    FakeOpenAi.Received received = upstream.received().get(0);
    assertEquals("/v1/chat/completions", received.path());
    assertEquals("Bearer sk-test", received.authorization());
    assertEquals(body, received.body().utf8String());
  }

  @Test
  void aStream_arrivesEventByEvent_beforeTheUpstreamHasSentItsLast() throws Exception {
    CompletableFuture<ByteString> last = new CompletableFuture<>();
    upstream.answer(r -> CompletableFuture.completedFuture(HttpResponse.create().withEntity(
        HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(),
            Source.single(ByteString.fromString("data: {\"n\":1}\n\n")).concat(Source.completionStage(last))))));
    UpstreamHttp http = client(upstream.baseUrl(), "");

    HttpResponse response = await(http.send(chat(upstream.baseUrl(), "{\"stream\":true}")));
    SinkQueueWithCancel<ByteString> events =
        http.frames(response, ByteString.fromString("\n\n")).runWith(Sink.queue(), materializer);

    assertEquals(Optional.of(ByteString.fromString("data: {\"n\":1}")), await(events.pull()),
        "the first event reaches the reader while the upstream still holds back the last");
    last.complete(ByteString.fromString("data: [DONE]\n\n"));
    assertEquals(Optional.of(ByteString.fromString("data: [DONE]")), await(events.pull()));
    assertEquals(Optional.empty(), await(events.pull()));
  }

  @Test
  void aBodyIsReadFromTheSocketOnlyAsItsReaderAsks_soTheUpstreamWaitsForASlowReader() throws Exception {
    int size = 64 * 1024 * 1024; // far beyond what the kernel's socket buffers hold
    CompletableFuture<Void> allWritten = new CompletableFuture<>();
    try (SocketUpstream socket = new SocketUpstream((request, s) -> {
      OutputStream out = s.getOutputStream();
      out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + size + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      byte[] block = new byte[64 * 1024];
      for (int written = 0; written < size; written += block.length) out.write(block);
      out.flush();
      allWritten.complete(null);
    })) {
      UpstreamHttp http = client(socket.baseUrl(), "");
      HttpResponse response = await(http.send(chat(socket.baseUrl(), "{}")));
      SinkQueueWithCancel<ByteString> body = response.entity().getDataBytes().runWith(Sink.queue(), materializer);
      long read = await(body.pull()).orElseThrow().size();

      assertThrows(TimeoutException.class, () -> allWritten.get(1, TimeUnit.SECONDS),
          "the upstream is held back while the reader takes nothing more");
      for (Optional<ByteString> chunk = await(body.pull()); chunk.isPresent(); chunk = await(body.pull())) {
        read += chunk.get().size();
      }
      assertEquals(size, read);
      await(allWritten);
    }
  }

  @Test
  void anErrorAnswer_keepsItsStatusHeadersAndBody() throws Exception {
    String envelope = FakeOpenAi.envelope("Rate limit reached for gpt-4o-mini", "requests");
    upstream.answer(FakeUpstream.status(429, envelope, RawHeader.create("retry-after", "7"),
        RawHeader.create("x-request-id", "req_abc123")));
    UpstreamHttp http = client(upstream.baseUrl(), "");

    HttpResponse response = await(http.send(chat(upstream.baseUrl(), "{}")));
    UpstreamHttp.ErrorAnswer error = await(http.errorAnswer(response));

    assertFalse(UpstreamHttp.succeeded(response));
    assertEquals(429, error.status());
    assertEquals(envelope, error.body());
    assertEquals(Duration.ofSeconds(7), error.retryAfter());
    assertEquals("req_abc123", UpstreamHttp.requestId(response));
  }

  @Test
  void sequentialCalls_reuseOneConnection() throws Exception {
    try (SocketUpstream socket = new SocketUpstream(SocketUpstream.json(ANSWER))) {
      UpstreamHttp http = client(socket.baseUrl(), "");

      for (int i = 0; i < 5; i++) assertEquals(ANSWER, answer(http, chat(socket.baseUrl(), "{\"n\":" + i + "}")));

      assertEquals(1, socket.connectionsAccepted(), "five calls in turn over one kept-alive connection");
      SocketUpstream.Request request = socket.nextRequest();
      assertEquals("POST", request.method());
      assertEquals("/chat/completions", request.target());
      assertEquals(socket.baseUrl().substring("http://".length()), request.headers().get("host"));
      assertEquals("application/json", request.headers().get("content-type"));
      assertEquals("{\"n\":0}", request.body());
    }
  }

  @Test
  void anAnswerThatCameWhole_isStrict_andItsConnectionCarriesTheNextCallBeforeItIsRead() throws Exception {
    try (SocketUpstream socket = new SocketUpstream(SocketUpstream.json(ANSWER))) {
      UpstreamHttp http = client(socket.baseUrl(), "connection-pool.max-connections = 1");

      HttpResponse first = http.send(chat(socket.baseUrl(), "{}")).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertTrue(first.entity().isStrict(), "headers and body came in one read: nothing left to stream");
      // Not read yet, yet its connection (the pool's only one) is free for the next call.
      HttpResponse second = http.send(chat(socket.baseUrl(), "{}")).toCompletableFuture().get(10, TimeUnit.SECONDS);

      assertEquals(ANSWER, http.body(second).toCompletableFuture().get(10, TimeUnit.SECONDS).utf8String());
      assertEquals(ANSWER, http.body(first).toCompletableFuture().get(10, TimeUnit.SECONDS).utf8String());
      assertEquals(1, socket.connectionsAccepted());
    }
  }

  @Test
  void anAnswerWhoseBodyIsStillArriving_streams_withWhatCameFirst() throws Exception {
    CompletableFuture<Void> rest = new CompletableFuture<>();
    try (SocketUpstream socket = new SocketUpstream((request, s) -> {
      OutputStream out = s.getOutputStream();
      out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + ANSWER.length()
          + "\r\n\r\n" + ANSWER.substring(0, 10)).getBytes(StandardCharsets.US_ASCII));
      out.flush();
      rest.get(30, TimeUnit.SECONDS);
      out.write(ANSWER.substring(10).getBytes(StandardCharsets.US_ASCII));
      out.flush();
    })) {
      UpstreamHttp http = client(socket.baseUrl(), "");

      HttpResponse response = http.send(chat(socket.baseUrl(), "{}")).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertFalse(response.entity().isStrict(), "answered at its headers, its body still to come");
      SinkQueueWithCancel<ByteString> body = response.entity().getDataBytes().runWith(Sink.queue(), materializer);
      assertEquals(ANSWER.substring(0, 10), body.pull().toCompletableFuture().get(10, TimeUnit.SECONDS).get().utf8String());
      rest.complete(null);
      assertEquals(ANSWER.substring(10), body.pull().toCompletableFuture().get(10, TimeUnit.SECONDS).get().utf8String());
      assertEquals(Optional.empty(), body.pull().toCompletableFuture().get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void aGet_arrivesWithItsQueryAndHeaders_andWithoutABody() throws Exception {
    try (SocketUpstream socket = new SocketUpstream(SocketUpstream.json(ANSWER))) {
      UpstreamHttp http = client(socket.baseUrl(), "");

      assertEquals(ANSWER, answer(http, HttpRequest.GET(socket.baseUrl() + "/models?limit=2&after=gpt-4o")
          .addHeader(RawHeader.create("OpenAI-Organization", "org-test"))));

      SocketUpstream.Request request = socket.nextRequest();
      assertEquals("GET", request.method());
      assertEquals("/models?limit=2&after=gpt-4o", request.target());
      assertEquals("org-test", request.headers().get("openai-organization"));
      assertTrue(request.headers().get("user-agent").startsWith("pekko-http/"), "the user agent Pekko's client sends");
      assertNull(request.headers().get("content-length"));
      assertEquals("", request.body());
    }
  }

  @Test
  void aStreamedRequestBody_isRefusedClearly_andNothingIsSent() throws Exception {
    try (SocketUpstream socket = new SocketUpstream(SocketUpstream.json(ANSWER))) {
      UpstreamHttp http = client(socket.baseUrl(), "");
      HttpRequest streamed = UpstreamHttp.post(Uri.create(socket.baseUrl() + "/chat/completions"))
          .withEntity(HttpEntities.createChunked(ContentTypes.APPLICATION_JSON, Source.single(ByteString.fromString("{}"))));

      UpstreamException refused = failure(http.send(streamed));

      assertTrue(refused.getMessage().contains("strict request bodies only"), refused.getMessage());
      assertEquals(0, socket.connectionsAccepted());
    }
  }

  @Test
  void concurrentCalls_openNoMoreThanMaxConnections_andTheRestWaitTheirTurn() throws Exception {
    CompletableFuture<Void> release = new CompletableFuture<>();
    try (SocketUpstream socket = new SocketUpstream(SocketUpstream.holdUntil(release, ANSWER))) {
      UpstreamHttp http = client(socket.baseUrl(), "max-in-flight = 8\nconnection-pool.max-connections = 2");
      List<CompletionStage<ByteString>> calls = new ArrayList<>();
      for (int i = 0; i < 6; i++) calls.add(http.send(chat(socket.baseUrl(), "{}")).thenCompose(http::body));
      socket.nextRequest();
      socket.nextRequest();

      release.complete(null);

      for (CompletionStage<ByteString> call : calls) assertEquals(ANSWER, await(call).utf8String());
      assertEquals(2, socket.connectionsAccepted(), "six calls over max-connections = 2");
      assertEquals(2, socket.mostOpenConnections());
    }
  }

  @Test
  void aCallBeyondThePoolsRoom_failsAtOnce_namingMaxConnections() throws Exception {
    CompletableFuture<Void> release = new CompletableFuture<>();
    try (SocketUpstream socket = new SocketUpstream(SocketUpstream.holdUntil(release, ANSWER))) {
      UpstreamHttp http = client(socket.baseUrl(), "max-in-flight = 1\nconnection-pool.max-connections = 1");
      CompletionStage<HttpResponse> first = http.send(chat(socket.baseUrl(), "{}"));
      socket.nextRequest();

      UpstreamException refused = failure(http.send(chat(socket.baseUrl(), "{}")));

      assertEquals(Kind.CONNECTION_FAILED, refused.kind());
      assertTrue(refused.getMessage().contains("connection-pool.max-connections"), refused.getMessage());
      release.complete(null);
      assertEquals(ANSWER, await(http.body(await(first))).utf8String());
    }
  }

  @Test
  void aRefusedConnection_isAConnectionFailure_orUnavailableForALocalServer() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    String baseUrl = "http://127.0.0.1:" + closedPort;

    UpstreamException remote = failure(client(baseUrl, "").send(chat(baseUrl, "{}")));
    UpstreamException local = failure(client(baseUrl, "", true).send(chat(baseUrl, "{}")));

    assertEquals(Kind.CONNECTION_FAILED, remote.kind());
    assertTrue(remote.getMessage().contains("connection to " + baseUrl + " failed"), remote.getMessage());
    assertEquals(Kind.UNAVAILABLE, local.kind());
    assertTrue(local.getMessage().contains("connection refused"), local.getMessage());
  }

  @Test
  void anUnknownHost_isAConnectionFailureNamingTheHost() {
    String baseUrl = "http://no-such-upstream.invalid";

    UpstreamException failure = failure(client(baseUrl, "").send(chat(baseUrl, "{}")));

    assertEquals(Kind.CONNECTION_FAILED, failure.kind());
    assertTrue(failure.getMessage().contains("could not resolve the host of " + baseUrl), failure.getMessage());
  }

  @Test
  void aConnectionNotAcceptedInTime_isATimeoutNamingTimeoutsConnect() throws Exception {
    // A listener whose accept queue is full: the kernel drops further SYNs, so only the timeout ends it.
    try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      List<Socket> fillers = new ArrayList<>();
      try {
        for (int i = 0; i < 16; i++) {
          Socket filler = new Socket();
          try {
            filler.connect(full.getLocalSocketAddress(), 300);
            fillers.add(filler);
          } catch (java.io.IOException queueFull) {
            filler.close();
            break;
          }
        }
        String baseUrl = "http://127.0.0.1:" + full.getLocalPort();

        UpstreamException failure = failure(client(baseUrl, "timeouts.connect = 500ms").send(chat(baseUrl, "{}")));

        assertEquals(Kind.TIMEOUT, failure.kind());
        assertTrue(failure.getMessage().contains("timeouts.connect"), failure.getMessage());
      } finally {
        for (Socket filler : fillers) filler.close();
      }
    }
  }

  @Test
  void noHeadersWithinFirstByte_isATimeoutNamingTimeoutsFirstByte() throws Exception {
    try (SocketUpstream socket = new SocketUpstream(SocketUpstream.silence())) {
      UpstreamException failure =
          failure(client(socket.baseUrl(), "timeouts.first-byte = 300ms").send(chat(socket.baseUrl(), "{}")));

      assertEquals(Kind.TIMEOUT, failure.kind());
      assertTrue(failure.getMessage().contains("timeouts.first-byte"), failure.getMessage());
    }
  }

  @Test
  void aCallWhoseFirstByteRanOut_closesItsConnection_soASilentUpstreamDoesNotKeepThePoolsOnlyOne() throws Exception {
    try (SocketUpstream socket = new SocketUpstream(SocketUpstream.silence())) {
      UpstreamHttp http = client(socket.baseUrl(), "timeouts.first-byte = 300ms\nconnection-pool.max-connections = 1");
      assertEquals(Kind.TIMEOUT, failure(http.send(chat(socket.baseUrl(), "{\"n\":1}"))).kind());

      socket.awaitClosedByClient();
      socket.answer(SocketUpstream.json(ANSWER));
      assertEquals(ANSWER, answer(http, chat(socket.baseUrl(), "{\"n\":2}")));
      assertEquals(2, socket.connectionsAccepted(), "the next call opened a connection of its own");
    }
  }

  @Test
  void aCallAbandonedBeforeItsHeaders_closesItsConnectionAtOnce() throws Exception {
    try (SocketUpstream socket = new SocketUpstream(SocketUpstream.silence())) {
      UpstreamHttp http = client(socket.baseUrl(), "timeouts.first-byte = 60s");
      CompletableFuture<Void> abandon = new CompletableFuture<>();
      CompletionStage<HttpResponse> call = Abandonment.watching(abandon, () -> http.send(chat(socket.baseUrl(), "{}")));
      socket.nextRequest();

      abandon.complete(null);

      socket.awaitClosedByClient();
      UpstreamException failure = failure(call);
      assertEquals(Kind.CONNECTION_FAILED, failure.kind());
      assertTrue(failure.getMessage().contains("abandoned by its caller"), failure.getMessage());
    }
  }

  @Test
  void aCallAbandonedWhileWaitingForAConnection_isNeverSent() throws Exception {
    CompletableFuture<Void> release = new CompletableFuture<>();
    try (SocketUpstream socket = new SocketUpstream(SocketUpstream.holdUntil(release, ANSWER))) {
      UpstreamHttp http = client(socket.baseUrl(), "max-in-flight = 4\nconnection-pool.max-connections = 1");
      CompletionStage<ByteString> first = http.send(chat(socket.baseUrl(), "{\"n\":1}")).thenCompose(http::body);
      socket.nextRequest();
      CompletableFuture<Void> abandon = new CompletableFuture<>();
      CompletionStage<HttpResponse> waiting =
          Abandonment.watching(abandon, () -> http.send(chat(socket.baseUrl(), "{\"n\":2}")));

      abandon.complete(null);

      assertTrue(failure(waiting).getMessage().contains("abandoned by its caller"));
      release.complete(null);
      assertEquals(ANSWER, await(first).utf8String());
      assertEquals(ANSWER, answer(http, chat(socket.baseUrl(), "{\"n\":3}")));
      assertEquals("{\"n\":3}", socket.nextRequest().body(), "the abandoned request never reached the upstream");
      assertNull(socket.arrived());
      assertEquals(1, socket.connectionsAccepted());
    }
  }

  @Test
  void aStreamItsReaderCancels_closesItsConnection_andTheNextCallOpensAnother() throws Exception {
    upstream.answer(upstream.endlessStream(Duration.ofMillis(20)));
    UpstreamHttp http = client(upstream.baseUrl(), "");

    HttpResponse response = await(http.send(chat(upstream.baseUrl(),
        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[]}")));
    SinkQueueWithCancel<ByteString> events =
        http.frames(response, ByteString.fromString("\n\n")).runWith(Sink.queue(), materializer);
    assertTrue(await(events.pull()).isPresent());
    events.cancel();

    upstream.streamEnded().get(10, TimeUnit.SECONDS); // the upstream saw its connection closed
    upstream.answer(FakeUpstream.rawOk(ANSWER));
    assertEquals(ANSWER, answer(http, chat(upstream.baseUrl(), "{}")));
  }

  @Test
  void anAbandonedCallWithItsHeadersIn_hasItsBodyCut() throws Exception {
    upstream.answer(upstream.slowBody());
    UpstreamHttp http = client(upstream.baseUrl(), "");
    CompletableFuture<Void> abandon = new CompletableFuture<>();

    HttpResponse response = await(Abandonment.watching(abandon, () -> http.send(chat(upstream.baseUrl(), "{}"))));
    CompletionStage<ByteString> body = http.body(response);
    abandon.complete(null);

    upstream.streamEnded().get(10, TimeUnit.SECONDS);
    assertTrue(failure(body).getMessage().contains("abandoned by its caller"));
  }
}
