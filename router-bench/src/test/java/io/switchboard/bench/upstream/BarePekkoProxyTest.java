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

/** The floor scenario's proxy passes answers through as the fake upstream sends them, streams included. */
@Tag("unit")
class BarePekkoProxyTest {
  private static FakeUpstream.Running upstream;
  private static BarePekkoProxy.Running proxy;
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    upstream = FakeUpstream.start("127.0.0.1", 0, new ReplyShape(false, 4, Duration.ZERO, Duration.ZERO), null)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    proxy = BarePekkoProxy.start("127.0.0.1", 0, "http://127.0.0.1:" + upstream.port())
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (proxy != null) proxy.stop();
    if (upstream != null) upstream.stop();
  }

  private static HttpRequest post(String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/v1/chat/completions"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  @Test
  void plainRequest_getsTheUpstreamsChatCompletion() throws Exception {
    HttpResponse<String> response = CLIENT.send(
        post("{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(200, response.statusCode());
    assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
    assertTrue(response.body().contains("\"object\":\"chat.completion\""), response.body());
  }

  @Test
  void stream_arrivesAsServerSentEvents_eachBeforeTheNextIsSent() throws Exception {
    // 4 chunks 200 ms apart: a proxy that buffered the answer would deliver everything at the end.
    HttpResponse<java.io.InputStream> response = CLIENT.send(
        post("{\"model\":\"bench-model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
            + "\"bench_chunks\":4,\"bench_interval_ms\":200}"),
        HttpResponse.BodyHandlers.ofInputStream());

    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
    List<String> events = new ArrayList<>();
    long firstAt = 0;
    long lastAt = 0;
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (!line.startsWith("data: ")) continue;
        events.add(line);
        lastAt = System.nanoTime();
        if (firstAt == 0) firstAt = lastAt;
      }
    }
    assertEquals("data: [DONE]", events.get(events.size() - 1));
    assertTrue(events.size() >= 5, "4 chunks and [DONE]: " + events);
    assertTrue(Duration.ofNanos(lastAt - firstAt).toMillis() >= 400,
        "the first event came while later ones were still on their way");
  }
}
