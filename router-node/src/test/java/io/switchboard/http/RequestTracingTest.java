package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.GatewayExtension;
import io.switchboard.SseEvents;
import io.switchboard.TestGateway;
import io.switchboard.provider.openai.FakeOpenAi;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every response, success, error or stream, carries {@code x-request-id} (the client's own when sane)
 * and {@code x-switchboard-overhead-ms}, the gateway's time without the upstream's.
 */
@Tag("integration")
class RequestTracingTest {
  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway() {
    return gateways.start("""
        switchboard.providers.p { kind = openai, openai.base-url = "%s" }
        switchboard.models.chat { provider = p, upstream-model = "gpt-4o" }
        """.formatted(upstream.baseUrl()));
  }

  private static String body(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  }

  private static HttpRequest.Builder chat(TestGateway gateway, String body) {
    return HttpRequest.newBuilder(gateway.uri("/v1/chat/completions")).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
  }

  /** The overhead header, checked to be a non-negative number of milliseconds. */
  private static double overhead(HttpHeaders headers) {
    String value = headers.firstValue("x-switchboard-overhead-ms").orElseThrow(() -> new AssertionError(
        "no x-switchboard-overhead-ms in " + headers.map()));
    double ms = Double.parseDouble(value);
    assertTrue(ms >= 0, value);
    return ms;
  }

  private static String requestId(HttpHeaders headers) {
    return headers.firstValue("x-request-id").orElseThrow(() -> new AssertionError("no x-request-id"));
  }

  @Test
  void successErrorAndStream_allCarryARequestIdAndTheOverhead() {
    TestGateway gateway = gateway();
    HttpResponse<String> ok = gateway.post("/v1/chat/completions", body("chat", false));
    HttpResponse<String> unknownModel = gateway.post("/v1/chat/completions", body("nope", false));
    HttpResponse<String> unknownPath = gateway.get("/v2/nothing");
    HttpResponse<String> health = gateway.get("/health");
    HttpResponse<InputStream> stream = gateway.postStreaming("/v1/chat/completions", body("chat", true));
    List<String> events = new SseEvents(stream.body()).all();

    assertEquals(200, ok.statusCode());
    assertEquals(404, unknownModel.statusCode());
    assertEquals(404, unknownPath.statusCode());
    assertEquals("[DONE]", events.get(events.size() - 1));
    for (HttpHeaders headers : List.of(ok.headers(), unknownModel.headers(), unknownPath.headers(),
        health.headers(), stream.headers())) {
      assertTrue(requestId(headers).startsWith("req_"), requestId(headers));
      overhead(headers);
    }
    assertNotEquals(requestId(ok.headers()), requestId(unknownModel.headers()), "a new id per request");
    assertEquals(1, ok.headers().allValues("x-request-id").size(), "the upstream's own x-request-id is not passed on");
  }

  @Test
  void clientsSaneRequestId_isPropagated_anInsaneOneIsReplaced() {
    TestGateway gateway = gateway();
    HttpResponse<String> sane = gateway.send(chat(gateway, body("chat", false))
        .header("x-request-id", "trace-42.abc_DEF").build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> tooLong = gateway.send(chat(gateway, body("chat", false))
        .header("x-request-id", "x".repeat(129)).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<InputStream> streamed = gateway.send(chat(gateway, body("chat", true))
        .header("x-request-id", "stream-7").build(), HttpResponse.BodyHandlers.ofInputStream());
    new SseEvents(streamed.body()).all();

    assertEquals("trace-42.abc_DEF", requestId(sane.headers()));
    assertTrue(requestId(tooLong.headers()).startsWith("req_"));
    assertEquals("stream-7", requestId(streamed.headers()));
  }

  @Test
  void overhead_excludesTheUpstreamsOwnTime() {
    upstream.answer(upstream.delayed(Duration.ofMillis(1500)));
    TestGateway gateway = gateway();
    long started = System.nanoTime();
    HttpResponse<String> slow = gateway.post("/v1/chat/completions", body("chat", false));
    double totalMs = (System.nanoTime() - started) / 1e6;

    assertEquals(200, slow.statusCode());
    assertTrue(totalMs >= 1500, "the upstream took 1.5 s");
    assertTrue(overhead(slow.headers()) < totalMs - 1400,
        "overhead " + overhead(slow.headers()) + " ms of " + totalMs + " ms in all");
  }

  @Test
  void anthropicIngress_isTracedAndCachedLikeTheOpenAiOne() {
    String messages = "{\"model\":\"chat\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    TestGateway gateway = gateway();
    HttpResponse<String> first = null;
    HttpResponse<String> second = null;
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = gateway.send(HttpRequest.newBuilder(gateway.uri("/v1/messages"))
          .header("Content-Type", "application/json").header("x-request-id", "anthropic-" + i)
          .header("x-switchboard-cache", "true").POST(HttpRequest.BodyPublishers.ofString(messages)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (i == 0) first = r;
      else second = r;
    }

    assertEquals(200, first.statusCode(), first.body());
    assertEquals("anthropic-0", requestId(first.headers()));
    assertEquals("anthropic-1", requestId(second.headers()));
    overhead(first.headers());
    assertEquals("miss", first.headers().firstValue("x-switchboard-cache").orElseThrow());
    assertEquals("hit", second.headers().firstValue("x-switchboard-cache").orElseThrow());
    assertEquals(1, upstream.received().size());
  }

  @Test
  void overheadMillis_haveThreeDecimalsRoundedHalfUp_likeFormatDid() {
    assertEquals("0.000", RequestTracing.millis(0));
    assertEquals("0.000", RequestTracing.millis(499));
    assertEquals("0.001", RequestTracing.millis(500));
    assertEquals("0.042", RequestTracing.millis(42_000));
    assertEquals("1.235", RequestTracing.millis(1_234_567));
    assertEquals("12.300", RequestTracing.millis(12_300_000));
    assertEquals("4321.007", RequestTracing.millis(4_321_006_900L));
    for (long nanos : new long[] {1, 999, 1_000, 99_500, 7_654_321, 123_456_789_012L}) {
      assertEquals(String.format(java.util.Locale.ROOT, "%.3f", nanos / 1e6), RequestTracing.millis(nanos), "" + nanos);
    }
  }

  @Test
  void saneIds_arePrintableAsciiWithoutSpaces_upTo128Characters() {
    assertEquals(Optional.of("abc-1"), RequestTracing.sane(Optional.of(" abc-1 ")));
    assertEquals(Optional.empty(), RequestTracing.sane(Optional.of("a b")));
    assertEquals(Optional.empty(), RequestTracing.sane(Optional.of("é")));
    assertEquals(Optional.empty(), RequestTracing.sane(Optional.of("")));
    assertEquals(Optional.of("y".repeat(128)), RequestTracing.sane(Optional.of("y".repeat(128))));
    assertEquals(Optional.empty(), RequestTracing.sane(Optional.empty()));
  }
}
