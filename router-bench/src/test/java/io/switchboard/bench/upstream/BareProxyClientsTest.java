package io.switchboard.bench.upstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each client a bare proxy can use (issue 18) passes the fake upstream's answers back byte for byte,
 * with their status and content type: a whole answer, an error, and a stream, which {@code pool},
 * {@code connection} and {@code h2} pass on chunk by chunk as it comes and {@code netty} whole at its end. Tagged
 * unit like {@link BarePekkoProxyTest}: router-bench's build runs only that tag, and this takes ~10 s.
 */
@Tag("unit")
class BareProxyClientsTest {
  private static final Pattern ID = Pattern.compile("\"id\":\"(chatcmpl-bench\\d+)\"");
  private static final FakeReplies REPLIES = new FakeReplies("bench-model", 1_700_000_000L);
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static FakeUpstream.Running upstream;
  private static final Map<UpstreamClient.Kind, BarePekkoProxy.Running> PROXIES = new EnumMap<>(UpstreamClient.Kind.class);

  @BeforeAll
  static void start() throws Exception {
    // h2c beside HTTP/1.1 on one port, for the h2 client; the others speak HTTP/1.1 to it as to any upstream.
    upstream = FakeUpstream.start("127.0.0.1", 0, new ReplyShape(false, 4, Duration.ZERO, Duration.ZERO), null,
        UpstreamLatency.NONE, true).toCompletableFuture().get(30, TimeUnit.SECONDS);
    for (UpstreamClient.Kind kind : UpstreamClient.Kind.values()) {
      PROXIES.put(kind, BarePekkoProxy.start("127.0.0.1", 0, "http://127.0.0.1:" + upstream.port(),
          BarePekkoProxy.Layout.of(kind.label())).toCompletableFuture().get(30, TimeUnit.SECONDS));
    }
  }

  @AfterAll
  static void stop() {
    PROXIES.values().forEach(BarePekkoProxy.Running::stop);
    if (upstream != null) upstream.stop();
  }

  private static HttpRequest post(UpstreamClient.Kind kind, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PROXIES.get(kind).port() + "/v1/chat/completions"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private static String idIn(String body) {
    Matcher m = ID.matcher(body);
    assertTrue(m.find(), "no completion id in " + body);
    return m.group(1);
  }

  @ParameterizedTest
  @EnumSource(UpstreamClient.Kind.class)
  void wholeAnswer_passesBackByteForByte(UpstreamClient.Kind kind) throws Exception {
    for (int i = 0; i < 3; i++) { // the second and third reuse the connection the first opened
      HttpResponse<byte[]> response = CLIENT.send(
          post(kind, "{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
          HttpResponse.BodyHandlers.ofByteArray());

      assertEquals(200, response.statusCode());
      assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
      String text = new String(response.body(), StandardCharsets.UTF_8);
      assertArrayEquals(REPLIES.completion(idIn(text), 4), response.body(), text);
    }
  }

  @ParameterizedTest
  @EnumSource(UpstreamClient.Kind.class)
  void upstreamError_keepsItsStatusAndBody(UpstreamClient.Kind kind) throws Exception {
    HttpResponse<String> response = CLIENT.send(post(kind, "{\"bench_chunks\":0}"), HttpResponse.BodyHandlers.ofString());

    assertEquals(400, response.statusCode());
    assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
    assertTrue(response.body().contains("invalid_request_error"), response.body());
  }

  @ParameterizedTest
  @EnumSource(UpstreamClient.Kind.class)
  void stream_passesBackEveryEvent_andStreamsExceptThroughNetty(UpstreamClient.Kind kind) throws Exception {
    // 3 chunks 300 ms apart: passed on as they come, some bytes arrive a pause after the bytes before them;
    // buffered, they arrive at once. (A pause, not the span from first to last: a cold JVM on a busy machine
    // can bunch the first chunks, but the upstream's pacing still spaces the last.)
    HttpResponse<InputStream> response = CLIENT.send(
        post(kind, "{\"model\":\"bench-model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
            + "\"bench_chunks\":3,\"bench_interval_ms\":300}"),
        HttpResponse.BodyHandlers.ofInputStream());

    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    long lastAt = 0;
    long longestPause = 0;
    try (InputStream in = response.body()) {
      byte[] buffer = new byte[8192];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        body.write(buffer, 0, n);
        long now = System.nanoTime();
        if (lastAt != 0) longestPause = Math.max(longestPause, now - lastAt);
        lastAt = now;
      }
    }
    String text = body.toString(StandardCharsets.UTF_8);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (byte[] event : REPLIES.stream(idIn(text), 3)) expected.write(event);
    assertArrayEquals(expected.toByteArray(), body.toByteArray(), text);
    long pauseMillis = Duration.ofNanos(longestPause).toMillis();
    if (kind == UpstreamClient.Kind.NETTY) {
      assertTrue(pauseMillis < 150, "netty hands the stream back whole, yet its bytes paused " + pauseMillis + " ms");
    } else {
      assertTrue(pauseMillis >= 150, "the events came with no pause longer than " + pauseMillis + " ms: buffered");
    }
  }
}
