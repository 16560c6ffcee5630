package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.OutgoingConnection;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseFuture;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With {@code switchboard.http.http2 = on} a mesh client speaking HTTP/2 cleartext with prior knowledge
 * (here Pekko HTTP's own client) gets answers and streams over one multiplexed connection, while an
 * HTTP/1.1 client on the same port is served as before.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Http2Test {
  private static final long TIMEOUT_SECONDS = 30;
  private static final int MULTIPLEXED = 20;

  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;
  private Materializer materializer;

  @BeforeAll
  void startGateway() {
    gateway = gateways.start("""
        switchboard.http.http2 = on
        switchboard.providers.simulated.simulated { latency = 5ms, tokens-per-second = 0, default-completion-tokens = 8 }
        """);
    materializer = Materializer.matFromSystem(gateways.testKit().system());
  }

  /** One h2c connection to the gateway: requests offered to the queue, each answered through its own future. */
  private final class H2cConnection implements AutoCloseable {
    private final BoundedSourceQueue<HttpRequest> requests;
    final CompletionStage<OutgoingConnection> connected;

    H2cConnection() {
      Flow<HttpRequest, HttpResponse, CompletionStage<OutgoingConnection>> h2c =
          Http.get(gateways.testKit().system()).connectionTo("127.0.0.1").toPort(gateway.uri("/").getPort())
              .http2WithPriorKnowledge();
      // HTTP/2 answers in whatever order the streams finish: the response carries its request's future.
      Pair<BoundedSourceQueue<HttpRequest>, CompletionStage<OutgoingConnection>> materialized =
          Source.<HttpRequest>queue(MULTIPLEXED * 2)
              .viaMat(h2c, Keep.both())
              .to(Sink.foreach(response -> response.getAttribute(ResponseFuture.KEY()).orElseThrow().future()
                  .complete(response)))
              .run(materializer);
      requests = materialized.first();
      connected = materialized.second();
    }

    /** The response with its whole body read. */
    CompletableFuture<Answer> send(String body) {
      CompletableFuture<HttpResponse> response = new CompletableFuture<>();
      HttpRequest request = HttpRequest.POST(gateway.uri("/v1/chat/completions").toString())
          .withEntity(ContentTypes.APPLICATION_JSON, body)
          .addAttribute(ResponseFuture.KEY(), new ResponseFuture(response));
      requests.offer(request);
      return response.thenCompose(r -> r.entity().toStrict(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS), materializer)
          .thenApply(strict -> new Answer(r.status().intValue(), r.protocol().value(),
              r.entity().getContentType().toString(), strict.getData().utf8String())))
          .toCompletableFuture();
    }

    @Override
    public void close() {
      requests.complete();
    }
  }

  private record Answer(int status, String protocol, String contentType, String body) {}

  private static String chat(boolean stream, int i) {
    return "{\"model\":\"switchboard-sim\",\"stream\":" + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"request " + i + "\"}]}";
  }

  @Test
  void plainRequestOverH2c_isAnsweredWithAChatCompletion_overHttp2() throws Exception {
    try (H2cConnection connection = new H2cConnection()) {
      Answer answer = connection.send(chat(false, 0)).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);

      assertEquals(200, answer.status(), answer.body());
      assertEquals("HTTP/2.0", answer.protocol());
      assertTrue(answer.body().contains("\"object\":\"chat.completion\""), answer.body());
    }
  }

  @Test
  void streamingRequestOverH2c_isAnEventStreamEndingInDone() throws Exception {
    try (H2cConnection connection = new H2cConnection()) {
      Answer answer = connection.send(chat(true, 0)).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);

      assertEquals(200, answer.status(), answer.body());
      assertEquals("HTTP/2.0", answer.protocol());
      assertTrue(answer.contentType().startsWith("text/event-stream"), answer.contentType());
      assertTrue(answer.body().endsWith("data: [DONE]\n\n"), answer.body());
    }
  }

  @Test
  void manyRequestsMultiplexedOverOneConnection_allSucceed() throws Exception {
    try (H2cConnection connection = new H2cConnection()) {
      List<CompletableFuture<Answer>> answers = new ArrayList<>();
      for (int i = 0; i < MULTIPLEXED; i++) answers.add(connection.send(chat(i % 2 == 0, i)));

      for (int i = 0; i < MULTIPLEXED; i++) {
        Answer answer = answers.get(i).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertEquals(200, answer.status(), answer.body());
        if (i % 2 == 0) {
          assertTrue(answer.body().endsWith("data: [DONE]\n\n"), "stream " + i + ": " + answer.body());
        } else {
          assertTrue(answer.body().contains("\"object\":\"chat.completion\""), "request " + i + ": " + answer.body());
        }
      }
      assertEquals(gateway.uri("/").getPort(),
          connection.connected.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).remoteAddress().getPort(),
          "every request went over the one connection this flow opened");
    }
  }

  @Test
  void http11Client_isStillServedOnTheSamePort() {
    java.net.http.HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(false, 0));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals(java.net.http.HttpClient.Version.HTTP_1_1, response.version());
    assertTrue(response.body().contains("\"object\":\"chat.completion\""), response.body());
  }
}
