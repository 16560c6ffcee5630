package io.switchboard.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.SseEvents;
import io.switchboard.TestGateway;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /metrics} after known traffic: the GenAI meters under their Prometheus names with the
 * token counts the upstream reported, the gateway's own counters and gauges; and the per-provider
 * statistics in {@code GET /admin/providers} (AUDIT D4).
 */
@Tag("integration")
class MetricsEndpointTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi primary = new FakeOpenAi();
  @RegisterExtension static final FakeOpenAi secondary = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway() {
    return gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.metrics.provider-refresh = 1ms
        switchboard.provider-defaults {
          retries { max-attempts = 2, base-delay = 1ms, max-delay = 5ms }
          breaker { consecutive-failures = 100 }
          limits.requests-per-minute = 600
        }
        switchboard.providers.primary { kind = openai, openai.base-url = "%s" }
        switchboard.providers.secondary { kind = openai, openai.base-url = "%s" }
        switchboard.models.chat { provider = primary, upstream-model = "gpt-4o" }
        switchboard.models.fallback.deployments = [
          { provider = primary, upstream-model = "gpt-4o" },
          { provider = secondary, upstream-model = "gpt-4o-mini" }
        ]
        """.formatted(primary.baseUrl(), secondary.baseUrl()));
  }

  private static String body(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"stream\":" + stream
        + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "")
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  }

  /** The value of the one sample line that starts with {@code name} and contains every label given. */
  private static double sample(String scrape, String name, String... labels) {
    double found = Double.NaN;
    int matches = 0;
    for (String line : scrape.split("\n")) {
      if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) continue;
      boolean all = true;
      for (String label : labels) all &= line.contains(label);
      if (!all) continue;
      matches++;
      found = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }
    assertEquals(1, matches, "one sample " + name + " with " + String.join(",", labels) + " in\n" + scrape);
    return found;
  }

  @Test
  void knownTraffic_showsUpUnderTheGenAiAndGatewayNames() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    TestGateway gateway = gateway();
    // Two plain completions (19 prompt + 10 completion tokens each) and one stream (19 + 3).
    gateway.post("/v1/chat/completions", body("chat", false));
    gateway.post("/v1/chat/completions", body("chat", false));
    new SseEvents(gateway.postStreaming("/v1/chat/completions", body("chat", true)).body()).all();
    // One retry: the first call fails with 500, the second succeeds.
    primary.answer(r -> calls.getAndIncrement() == 0
        ? FakeOpenAi.status(500, FakeOpenAi.envelope("boom", "server_error")).apply(r) : primary.documented(r));
    gateway.post("/v1/chat/completions", body("chat", false));
    // One fallback: primary fails every attempt, secondary serves.
    primary.answer(FakeOpenAi.status(500, FakeOpenAi.envelope("boom", "server_error")));
    HttpResponse<String> fellBack = gateway.post("/v1/chat/completions", body("fallback", false));
    assertEquals("secondary/gpt-4o-mini", fellBack.headers().firstValue("x-switchboard-deployment").orElseThrow());
    // One cache miss, one hit.
    primary.answer(primary::documented);
    for (int i = 0; i < 2; i++) {
      gateway.send(HttpRequest.newBuilder(gateway.uri("/v1/chat/completions")).header("x-switchboard-cache", "true")
          .POST(HttpRequest.BodyPublishers.ofString(body("fallback", false))).build(),
          HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> metrics = gateway.get("/metrics");
    String scrape = metrics.body();

    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.headers().firstValue("content-type").orElseThrow().startsWith("text/plain"));
    String chat = "gen_ai_request_model=\"chat\"";
    String primaryOpenAi = "gen_ai_provider_name=\"openai\"";
    assertEquals(4, sample(scrape, "gen_ai_client_token_usage_count", chat, "gen_ai_token_type=\"input\""));
    assertEquals(4 * 19, sample(scrape, "gen_ai_client_token_usage_sum", chat, "gen_ai_token_type=\"input\"",
        primaryOpenAi, "gen_ai_operation_name=\"chat\"", "switchboard_provider=\"primary\""));
    assertEquals(3 * 10 + 3, sample(scrape, "gen_ai_client_token_usage_sum", chat,
        "gen_ai_token_type=\"output\""));
    assertEquals(4, sample(scrape, "gen_ai_client_operation_duration_seconds_count", chat,
        "error_type=\"\""));
    assertEquals(1, sample(scrape, "gen_ai_server_time_to_first_token_seconds_count", chat));
    assertTrue(scrape.contains("gen_ai_client_operation_duration_seconds_bucket{"), "a histogram");
    assertEquals(1 + 1, sample(scrape, "switchboard_retries_total", "provider=\"primary\""),
        "the retried request, and the first attempt of the one that fell back");
    assertEquals(1, sample(scrape, "switchboard_fallbacks_total", "model=\"fallback\"", "from=\"primary\"",
        "to=\"secondary\""));
    assertEquals(1, sample(scrape, "switchboard_cache_hits_total"));
    assertEquals(1, sample(scrape, "switchboard_cache_misses_total"));
    assertTrue(sample(scrape, "switchboard_admission_wait_seconds_count", "provider=\"primary\"",
        "outcome=\"granted\"") >= 7);
    assertEquals(0, sample(scrape, "switchboard_provider_queue_depth", "provider=\"primary\""));
    assertEquals(0, sample(scrape, "switchboard_provider_in_flight", "provider=\"secondary\""));
    assertEquals(0, sample(scrape, "switchboard_provider_breaker_state", "provider=\"primary\""));
    double level = sample(scrape, "switchboard_provider_bucket_level", "provider=\"primary\"",
        "scope=\"provider\"", "dimension=\"requests\"");
    assertTrue(level >= 0 && level < 600, "some of the 600 requests per minute were used: " + level);
  }

  @Test
  void adminProviders_showEachProvidersCallStatistics() throws Exception {
    TestGateway gateway = gateway();
    for (int i = 0; i < 3; i++) gateway.post("/v1/chat/completions", body("chat", false));
    primary.answer(FakeOpenAi.status(400, FakeOpenAi.envelope("Invalid 'messages'", "invalid_request_error")));
    gateway.post("/v1/chat/completions", body("chat", false));

    JsonNode providers = JSON.readTree(gateway.get("/admin/providers").body()).path("providers");
    JsonNode primaryView = providers.path(0).path("provider").asText().equals("primary") ? providers.path(0)
        : providers.path(1);
    JsonNode stats = primaryView.path("statistics");

    assertEquals(4, stats.path("requests").asInt());
    assertEquals(3, stats.path("succeeded").asInt());
    assertEquals(1, stats.path("failed").asInt());
    assertEquals(0.75, stats.path("successRate").asDouble());
    assertEquals(4 / 60.0, stats.path("requestsPerSecond").asDouble(), 0.001);
    assertEquals(4, stats.path("latencySamples").asInt());
    assertTrue(stats.path("latencyP50Ms").asDouble() > 0);
    assertTrue(stats.path("latencyP99Ms").asDouble() >= stats.path("latencyP50Ms").asDouble());
    assertTrue(stats.path("averageResponseMs").asDouble() > 0);
    assertEquals(0, primaryView.path("inFlight").asInt(), "the status is still there next to the statistics");
  }

  @Test
  void openBreaker_readsTwo_forTheModelThatAnswered5xx_andForTheProviderThatCouldNotBeReached() throws Exception {
    primary.answer(FakeOpenAi.status(500, FakeOpenAi.envelope("boom", "server_error")));
    TestGateway gateway = gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.metrics.provider-refresh = 1ms
        switchboard.provider-defaults.retries.max-attempts = 1
        switchboard.provider-defaults.breaker { consecutive-failures = 1, reset-timeout = 1m, max-reset-timeout = 1m }
        switchboard.providers.primary { kind = openai, openai.base-url = "%s" }
        switchboard.providers.unreachable { kind = openai, openai.base-url = "http://127.0.0.1:1/v1" }
        switchboard.models.chat { provider = primary, upstream-model = "gpt-4o" }
        switchboard.models.nowhere { provider = unreachable, upstream-model = "gpt-4o" }
        """.formatted(primary.baseUrl()));
    gateway.post("/v1/chat/completions", body("chat", false));
    gateway.post("/v1/chat/completions", body("nowhere", false));

    String scrape = gateway.get("/metrics").body();

    assertEquals(2, sample(scrape, "switchboard_provider_model_breaker_state", "provider=\"primary\"",
        "model=\"gpt-4o\""));
    assertEquals(0, sample(scrape, "switchboard_provider_breaker_state", "provider=\"primary\""),
        "a 5xx is the model's failure, not the provider's");
    assertEquals(2, sample(scrape, "switchboard_provider_breaker_state", "provider=\"unreachable\""));
    assertEquals(0, sample(scrape, "switchboard_provider_model_breaker_state", "provider=\"unreachable\""));
    assertEquals(1, sample(scrape, "gen_ai_client_operation_duration_seconds_count", "error_type=\"502\"",
        "gen_ai_request_model=\"chat\""));
  }
}
