package io.switchboard.bench.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The held-streams rows' fake upstream answers as {@link FakeUpstream} does: OpenAI's shapes, paced streams. */
@Tag("unit")
class NettyFakeUpstreamTest {
  private static NettyFakeUpstream.Running upstream;
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final FakeReplies REPLIES = new FakeReplies("bench-model", 1_700_000_000L);

  @BeforeAll
  static void start() throws Exception {
    upstream = NettyFakeUpstream.start("127.0.0.1", 0, new ReplyShape(false, 4, Duration.ZERO, Duration.ZERO), 1);
  }

  @AfterAll
  static void stop() {
    if (upstream != null) upstream.stop();
  }

  private static HttpRequest post(String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + upstream.port() + "/v1/chat/completions"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  private static final String MESSAGES = "\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

  @Test
  void plainRequest_isAnsweredWithFakeUpstreamsCompletion() throws Exception {
    long before = upstream.calls().getAsLong();
    HttpResponse<String> response = CLIENT.send(post("{" + MESSAGES + "}"), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
    String id = "chatcmpl-bench" + (before + 1);
    assertEquals(new String(REPLIES.completion(id, 4), StandardCharsets.UTF_8), response.body());
  }

  @Test
  void stream_isServerSentEvents_pacedTheAskedIntervalApart_endingInDone() throws Exception {
    HttpResponse<InputStream> response = CLIENT.send(post("{" + MESSAGES + ",\"stream\":true,\"bench_chunks\":8,"
        + "\"bench_interval_ms\":10}"), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, response.statusCode());
    assertEquals("text/event-stream", response.headers().firstValue("content-type").orElseThrow());

    List<Long> arrivals = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lines.add(line);
        if (line.startsWith("data: {")) arrivals.add(System.nanoTime());
      }
    }
    assertEquals(8, arrivals.size(), String.join("\n", lines));
    assertTrue(lines.get(0).contains("\"object\":\"chat.completion.chunk\""), lines.get(0));
    assertEquals("data: [DONE]", lines.get(lines.size() - 2), String.join("\n", lines));
    // Seven gaps of 10 ms: not sent in one burst.
    long spanMillis = (arrivals.get(7) - arrivals.get(0)) / 1_000_000;
    assertTrue(spanMillis >= 60, "eight chunks 10 ms apart arrived within " + spanMillis + " ms");
  }

  @Test
  void manyStreamsAtOnce_areEachAnsweredWhole_andNoneIsLeftSending() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      streams.add(CLIENT.sendAsync(post("{" + MESSAGES + ",\"stream\":true,\"bench_chunks\":3,\"bench_interval_ms\":5}"),
          HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> stream : streams) {
      String body = stream.get(30, TimeUnit.SECONDS).body();
      assertEquals(3, body.split("data: \\{", -1).length - 1, body);
      assertTrue(body.endsWith("data: [DONE]\n\n"), body);
    }
    assertEquals(0, upstream.streaming().getAsLong());
  }

  @Test
  void anotherPath_is404_andABrokenBody_is400InOpenAisErrorShape() throws Exception {
    HttpResponse<String> missing = CLIENT.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + upstream.port() + "/v1/models")).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(404, missing.statusCode());

    HttpResponse<String> broken = CLIENT.send(post("{\"bench_chunks\": oops"), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, broken.statusCode());
    assertTrue(broken.body().contains("\"type\":\"invalid_request_error\""), broken.body());
  }
}
