package io.switchboard.bench.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The fake upstream paces a stream's chunks as asked, so "N chunks M ms apart" in a report is what was sent. */
@Tag("unit")
class FakeUpstreamTest {
  private static FakeUpstream.Running upstream;
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    upstream = FakeUpstream.start("127.0.0.1", 0, new ReplyShape(false, 4, Duration.ZERO, Duration.ZERO), null)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (upstream != null) upstream.stop();
  }

  @Test
  void streamChunks_areSentTheAskedIntervalApart_notInOneBurst() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + upstream.port() + "/v1/chat/completions"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"bench-model\",\"stream\":true,\"messages\":[{\"role\":"
            + "\"user\",\"content\":\"hi\"}],\"bench_chunks\":8,\"bench_interval_ms\":10}"))
        .build();
    HttpResponse<java.io.InputStream> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());

    List<Long> arrivals = new ArrayList<>();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.startsWith("data: {")) arrivals.add(System.nanoTime());
      }
    }
    assertEquals(8, arrivals.size());
    // Seven gaps of 10 ms; a 100 ms burst allowance would have delivered all eight at once.
    long spanMillis = (arrivals.get(7) - arrivals.get(0)) / 1_000_000;
    assertTrue(spanMillis >= 60, "eight chunks 10 ms apart arrived within " + spanMillis + " ms");
  }

  @Test
  void callsAreCounted_andASlowShareOfOneDelaysEveryCall_whoseAnswersStayWhole() throws Exception {
    FakeUpstream.Running slow = FakeUpstream.start("127.0.0.1", 0, new ReplyShape(false, 4, Duration.ZERO, Duration.ZERO),
        null, new UpstreamLatency(Duration.ZERO, 1.0, Duration.ofMillis(20), 1)).toCompletableFuture().get(30, TimeUnit.SECONDS);
    try {
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> response = CLIENT.send(plain(slow.port()), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.body().contains("\"object\":\"chat.completion\""), response.body());
        assertTrue(response.body().contains("\"completion_tokens\":4"), response.body());
      }
      assertEquals(3, slow.calls().getAsLong());
      assertEquals(3, slow.tailCalls().getAsLong());
      assertEquals(0, slow.thinking().getAsLong(), "every answer was sent: none is held back any more");
    } finally {
      slow.stop();
    }
  }

  @Test
  void withoutALatency_noCallIsInTheTail() throws Exception {
    long before = upstream.calls().getAsLong();
    assertEquals(200, CLIENT.send(plain(upstream.port()), HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(before + 1, upstream.calls().getAsLong());
    assertEquals(0, upstream.tailCalls().getAsLong());
  }

  private static HttpRequest plain(int port) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hi\"}]}"))
        .build();
  }
}
