package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.SseEvents;
import io.switchboard.TestGateway;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /admin/deployments/{id}/history}: every upstream call's outcome reaches its deployment's
 * history (successes with latency, first token and pace; failures with their kind), behind the admin key,
 * and the summaries are gauges on {@code /metrics} (AUDIT F3).
 */
@Tag("integration")
class DeploymentHistoryRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi primary = new FakeOpenAi();
  @RegisterExtension static final FakeOpenAi secondary = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway() {
    return gateways.start("""
        switchboard.history { flush-interval = 20ms, refresh-interval = 50ms }
        switchboard.provider-defaults {
          retries { max-attempts = 2, base-delay = 1ms, max-delay = 5ms }
          breaker { consecutive-failures = 100 }
        }
        switchboard.providers.primary { kind = openai, openai.base-url = "%s" }
        switchboard.providers.secondary { kind = openai, openai.base-url = "%s" }
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

  private JsonNode history(TestGateway gateway, String path, int outcomes) {
    return gateways.testKit().createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      HttpResponse<String> response = gateway.get(path);
      assertEquals(200, response.statusCode(), response.body());
      JsonNode view = JSON.readTree(response.body());
      assertEquals(outcomes, view.path("summary").path("outcomes").asInt(), response.body());
      return view;
    });
  }

  @Test
  void servedCalls_areInTheHistoryWithTheirTimings_newestFirst() throws Exception {
    TestGateway gateway = gateway();
    gateway.post("/v1/chat/completions", body("switchboard-sim", false));
    gateway.post("/v1/chat/completions", body("switchboard-sim", false));
    new SseEvents(gateway.postStreaming("/v1/chat/completions", body("switchboard-sim", true)).body()).all();

    JsonNode view = history(gateway, "/admin/deployments/simulated%2Fswitchboard-sim-1/history?limit=2", 3);

    assertEquals("simulated/switchboard-sim-1", view.path("deployment").asText());
    assertEquals(1000, view.path("size").asInt());
    assertEquals(0.0, view.path("summary").path("errorRate").asDouble());
    assertEquals(2, view.path("outcomes").size());
    JsonNode stream = view.path("outcomes").get(0);
    assertTrue(stream.path("firstTokenMillis").asLong() >= 0, stream.toString());
    assertTrue(stream.path("latencyMillis").asLong() >= stream.path("firstTokenMillis").asLong(), stream.toString());
    assertTrue(stream.path("error").isNull(), stream.toString());
    assertEquals(-1, view.path("outcomes").get(1).path("firstTokenMillis").asLong(), "a whole answer has no first token");
    assertTrue(view.path("outcomes").get(1).path("outputTokensPerSecond").asDouble() > 0, view.toString());

    gateways.testKit().createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      String scrape = gateway.get("/metrics").body();
      assertTrue(scrape.contains("switchboard_history_outcomes{deployment=\"simulated/switchboard-sim-1\"} 3.0"),
          scrape);
      return null;
    });
  }

  @Test
  void failedCalls_countAgainstTheDeploymentThatFailed_withTheirKind() throws Exception {
    TestGateway gateway = gateway();
    primary.answer(FakeOpenAi.status(500, FakeOpenAi.envelope("boom", "server_error")));
    try {
      HttpResponse<String> served = gateway.post("/v1/chat/completions", body("fallback", false));
      assertEquals("secondary/gpt-4o-mini", served.headers().firstValue("x-switchboard-deployment").orElseThrow());
    } finally {
      primary.answer(primary::documented);
    }

    JsonNode failed = history(gateway, "/admin/deployments/primary%2Fgpt-4o/history", 2);
    assertEquals(1.0, failed.path("summary").path("errorRate").asDouble());
    assertEquals("provider_error", failed.path("outcomes").get(0).path("error").asText());
    JsonNode fallback = history(gateway, "/admin/deployments/secondary%2Fgpt-4o-mini/history", 1);
    assertEquals(0.0, fallback.path("summary").path("errorRate").asDouble());
    assertTrue(fallback.path("summary").path("meanCostUsd").asDouble() >= 0);
  }

  @Test
  void history_needsTheAdminKey_andNamesWhatIsWrong() throws Exception {
    TestGateway gateway = gateway();

    HttpResponse<String> anonymous = gateway.send(java.net.http.HttpRequest.newBuilder(
            gateway.uri("/admin/deployments/simulated%2Fswitchboard-sim-1/history")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(401, anonymous.statusCode(), anonymous.body());

    HttpResponse<String> unknown = gateway.get("/admin/deployments/nobody%2Fnothing/history");
    assertEquals(404, unknown.statusCode());
    assertEquals("deployment_not_found", JSON.readTree(unknown.body()).path("error").path("code").asText());

    HttpResponse<String> badLimit = gateway.get("/admin/deployments/simulated%2Fswitchboard-sim-1/history?limit=lots");
    assertEquals(400, badLimit.statusCode());
    assertEquals("limit", JSON.readTree(badLimit.body()).path("error").path("param").asText());
  }
}
