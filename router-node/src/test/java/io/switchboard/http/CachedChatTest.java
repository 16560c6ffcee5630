package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.SseEvents;
import io.switchboard.TestGateway;
import io.switchboard.provider.openai.FakeOpenAi;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The response cache as a client sees it (AUDIT D5): an identical request that opted in is answered
 * from the cache without an upstream call, a streaming one as a replayed stream; a different request,
 * or one that did not opt in, goes upstream. The fake upstream counts the calls.
 */
@Tag("integration")
class CachedChatTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway() {
    return gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.providers.p { kind = openai, openai.base-url = "%s" }
        switchboard.models.chat { provider = p, upstream-model = "gpt-4o" }
        """.formatted(upstream.baseUrl()));
  }

  private static String body(String content, boolean stream) {
    return "{\"model\":\"chat\",\"stream\":" + stream + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "")
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}";
  }

  private static <T> HttpResponse<T> post(TestGateway gateway, String body, String cacheHeader,
      HttpResponse.BodyHandler<T> handler) {
    HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (cacheHeader != null) request.header("x-switchboard-cache", cacheHeader);
    return gateway.send(request.build(), handler);
  }

  private static String cacheHeader(HttpResponse<?> response) {
    return response.headers().firstValue("x-switchboard-cache").orElse("none");
  }

  @Test
  void identicalRequest_isServedFromCache_aDifferentOneGoesUpstream() throws Exception {
    TestGateway gateway = gateway();
    HttpResponse<String> first = post(gateway, body("Hi", false), "true", HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> second = post(gateway, body("Hi", false), "true", HttpResponse.BodyHandlers.ofString());

    assertEquals(200, first.statusCode(), first.body());
    assertEquals("miss", cacheHeader(first));
    assertEquals("hit", cacheHeader(second));
    assertEquals(first.body(), second.body(), "the very bytes the upstream sent the first time");
    assertEquals("p/gpt-4o", second.headers().firstValue("x-switchboard-deployment").orElseThrow());
    assertEquals(1, upstream.received().size(), "the hit did not call the upstream");

    HttpResponse<String> different = post(gateway, body("Hello", false), "true", HttpResponse.BodyHandlers.ofString());

    assertEquals("miss", cacheHeader(different));
    assertEquals(2, upstream.received().size());
    assertEquals(0, gateway.status("p").inFlight(), "a hit holds no permit");
  }

  @Test
  void streamingRequest_isServedFromTheCachedCompletion_asAReplayedStream() throws Exception {
    TestGateway gateway = gateway();
    post(gateway, body("Stream me", false), "true", HttpResponse.BodyHandlers.ofString());

    HttpResponse<InputStream> replay = post(gateway, body("Stream me", true), "true",
        HttpResponse.BodyHandlers.ofInputStream());
    List<String> events = new SseEvents(replay.body()).all();

    assertEquals("hit", cacheHeader(replay));
    assertTrue(replay.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
    assertEquals(1, upstream.received().size(), "only the first, non-streaming request went upstream");
    assertEquals("[DONE]", events.get(events.size() - 1));
    JsonNode role = JSON.readTree(events.get(0));
    assertEquals("chat.completion.chunk", role.path("object").asText());
    assertEquals("assistant", role.path("choices").path(0).path("delta").path("role").asText());
    assertEquals(FakeOpenAi.CONTENT, JSON.readTree(events.get(1)).path("choices").path(0).path("delta")
        .path("content").asText());
    JsonNode usage = JSON.readTree(events.get(events.size() - 2));
    assertEquals(29, usage.path("usage").path("total_tokens").asInt(), "include_usage: the stored usage");
  }

  @Test
  void requestsThatDoNotOptIn_orOptOut_neitherReadNorFillTheCache() {
    TestGateway gateway = gateway();
    HttpResponse<String> plain = post(gateway, body("Hi", false), null, HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> again = post(gateway, body("Hi", false), null, HttpResponse.BodyHandlers.ofString());
    post(gateway, body("Once", false), "true", HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> bypass = post(gateway, body("Once", false), "no-store", HttpResponse.BodyHandlers.ofString());

    assertFalse(plain.headers().firstValue("x-switchboard-cache").isPresent());
    assertFalse(again.headers().firstValue("x-switchboard-cache").isPresent());
    assertFalse(bypass.headers().firstValue("x-switchboard-cache").isPresent());
    assertEquals(4, upstream.received().size(), "every one of them went upstream");
  }

  @Test
  void failedAnswers_areNotCached() {
    upstream.answer(FakeOpenAi.status(400, FakeOpenAi.envelope("Invalid 'messages'", "invalid_request_error")));
    TestGateway gateway = gateway();
    HttpResponse<String> failed = post(gateway, body("Hi", false), "true", HttpResponse.BodyHandlers.ofString());
    upstream.answer(upstream::documented);
    HttpResponse<String> next = post(gateway, body("Hi", false), "true", HttpResponse.BodyHandlers.ofString());

    assertEquals(400, failed.statusCode());
    assertEquals(200, next.statusCode());
    assertEquals("miss", cacheHeader(next));
    assertEquals(2, upstream.received().size());
  }
}
