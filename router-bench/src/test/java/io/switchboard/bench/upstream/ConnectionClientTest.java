package io.switchboard.bench.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.bench.load.Await;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.stream.Materializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The connection-level client keeps its connections alive: one at a time in use, reused after a stream too. */
@Tag("unit")
class ConnectionClientTest {
  private static FakeUpstream.Running upstream;
  private static ActorSystem<Void> system;

  @BeforeAll
  static void start() throws Exception {
    upstream = FakeUpstream.start("127.0.0.1", 0, new ReplyShape(false, 4, Duration.ZERO, Duration.ZERO), null)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    system = ActorSystem.create(Behaviors.empty(), "connection-client-test");
  }

  @AfterAll
  static void stop() {
    if (system != null) system.terminate();
    if (upstream != null) upstream.stop();
  }

  private static RequestEntity body(String json) {
    return HttpEntities.create(ContentTypes.APPLICATION_JSON, json);
  }

  private static String text(HttpResponse response) throws Exception {
    return response.entity().toStrict(5_000, Materializer.matFromSystem(system)).toCompletableFuture()
        .get(10, TimeUnit.SECONDS).getData().utf8String();
  }

  @Test
  void oneRequestAfterAnother_wholeOrStreamed_useOneConnection() throws Exception {
    ConnectionClient client = new ConnectionClient(system, "127.0.0.1", upstream.port(), 8);
    String plain = "{\"model\":\"bench-model\",\"messages\":[]}";
    String stream = "{\"model\":\"bench-model\",\"stream\":true,\"messages\":[],\"bench_chunks\":3,\"bench_interval_ms\":20}";

    for (String json : new String[] {plain, stream, plain, stream, plain}) {
      HttpResponse response = client.send(HttpMethods.POST, "/v1/chat/completions", body(json))
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertEquals(200, response.status().intValue());
      String answer = text(response);
      assertTrue(answer.contains("chat.completion"), answer);
      // A streamed answer frees its connection as its end reaches the caller, a moment after the caller sees it.
      assertTrue(Await.until(() -> client.idle() == 1, Duration.ofSeconds(5), Duration.ofMillis(1)), "never freed");
    }

    assertEquals(1, client.open());
  }

  @Test
  void requestsAtTheSameTime_eachGetTheirOwnConnection() throws Exception {
    ConnectionClient client = new ConnectionClient(system, "127.0.0.1", upstream.port(), 8);
    String stream = "{\"model\":\"bench-model\",\"stream\":true,\"messages\":[],\"bench_chunks\":3,\"bench_interval_ms\":50}";

    CompletableFuture<HttpResponse> a = client.send(HttpMethods.POST, "/v1/chat/completions", body(stream)).toCompletableFuture();
    CompletableFuture<HttpResponse> b = client.send(HttpMethods.POST, "/v1/chat/completions", body(stream)).toCompletableFuture();
    assertTrue(text(a.get(10, TimeUnit.SECONDS)).endsWith("data: [DONE]\n\n"));
    assertTrue(text(b.get(10, TimeUnit.SECONDS)).endsWith("data: [DONE]\n\n"));

    assertEquals(2, client.open());
  }
}
