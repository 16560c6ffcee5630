package io.switchboard.orchestration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The wiring from real traffic to an auto route's choice: the outcomes the node observes reach the
 * deployments' history, the route reads that history, and a model that turns slow loses the route's
 * traffic, then wins it back through its probes once it is fast again. Nothing here sets a history by
 * hand; the only lever is how long the fake upstream takes to answer each model.
 */
@Tag("integration")
class AutoRouteHistoryOverHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi openAi = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  @Test
  void aModelThatTurnsSlow_losesTheRoutesTraffic_andWinsItBackWhenItRecovers() throws Exception {
    TestGateway gateway = gateways.start("""
        switchboard.history { flush-interval = 20ms, refresh-interval = 50ms }
        switchboard.provider-defaults { retries.max-attempts = 1 }
        switchboard.providers { p-quick { kind = openai, openai.base-url = "%1$s" }
          p-steady { kind = openai, openai.base-url = "%1$s" } }
        switchboard.models {
          quick { provider = p-quick, upstream-model = quick-1, max-output-tokens = 100, strengths { chat = 0.9 } }
          steady { provider = p-steady, upstream-model = steady-1, max-output-tokens = 100, strengths { chat = 0.5 } }
        }
        switchboard.routes.watch { candidates = [quick, steady], objective { cost = 0, latency = 1, quality = 0.2 } }
        switchboard.route-defaults.probe-after = 1s
        """.formatted(openAi.baseUrl()));
    // steady always answers in 100 ms; quick's delay is the lever.
    AtomicReference<Duration> quickDelay = new AtomicReference<>(Duration.ZERO);
    openAi.answer(r -> r.json().path("model").asText().equals("steady-1")
        ? openAi.delayed(Duration.ofMillis(100)).apply(r)
        : openAi.delayed(quickDelay.get()).apply(r));

    // Both deployments get a history, each from requests that name its model.
    for (int i = 0; i < 3; i++) assertEquals(200, chat(gateway, "quick").statusCode());
    for (int i = 0; i < 3; i++) assertEquals(200, chat(gateway, "steady").statusCode());
    awaitHistory(gateway, "p-steady%2Fsteady-1", 3);
    awaitHistory(gateway, "p-quick%2Fquick-1", 3);
    assertEquals("quick", chosen(chat(gateway, "watch")), "fast and better on quality");

    // quick turns slow: once its observed p50 is above steady's, the route sends its traffic to steady.
    quickDelay.set(Duration.ofMillis(600));
    HttpResponse<String> moved = awaitChoice(gateway, "steady", 12);
    assertTrue(header(moved, "x-switchboard-route-reason").contains("chose steady ("),
        header(moved, "x-switchboard-route-reason"));

    // quick recovers: the route's probes see it fast again, and the traffic goes back to it.
    quickDelay.set(Duration.ZERO);
    awaitChoice(gateway, "quick", 80);
    HttpResponse<String> back = chat(gateway, "watch");
    assertEquals("quick", chosen(back), header(back, "x-switchboard-route-reason"));
  }

  /**
   * Sends requests to the route, one at a time, until {@code model} is chosen on its score; a probe (one
   * request sent to a model that loses on its history, to learn whether it recovered) does not count.
   */
  private static HttpResponse<String> awaitChoice(TestGateway gateway, String model, int attempts) throws Exception {
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < attempts; i++) {
      HttpResponse<String> response = chat(gateway, "watch");
      assertEquals(200, response.statusCode(), response.body());
      if (chosen(response).equals(model) && !header(response, "x-switchboard-route-reason").contains("(probe,")) {
        return response;
      }
      // No pause: each request to steady takes its 100 ms, so probe-after (1 s) comes due on its own.
      seen.add(chosen(response) + ": " + header(response, "x-switchboard-route-reason"));
    }
    throw new AssertionError("the route never chose " + model + " in " + attempts + " requests: " + seen);
  }

  private static void awaitHistory(TestGateway gateway, String deployment, int outcomes) {
    gateways.testKit().createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      HttpResponse<String> view = gateway.get("/admin/deployments/" + deployment + "/history");
      assertEquals(200, view.statusCode(), view.body());
      assertEquals(outcomes, JSON.readTree(view.body()).path("summary").path("outcomes").asInt(), view.body());
      return null;
    });
  }

  private static HttpResponse<String> chat(TestGateway gateway, String model) throws Exception {
    String body = JSON.writeValueAsString(Map.of("model", model,
        "messages", List.of(Map.of("role", "user", "content", RouteCatalog.SMALL_TALK))));
    return gateway.send(gateway.request("/v1/chat/completions").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String chosen(HttpResponse<String> response) {
    return header(response, "x-switchboard-model");
  }

  private static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElse("(none)");
  }
}
