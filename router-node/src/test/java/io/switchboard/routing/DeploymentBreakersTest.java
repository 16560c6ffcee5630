package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.ManualClock;
import io.switchboard.TestGateway;
import io.switchboard.provider.FakeUpstream.Answer;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Breakers per deployment, seen by a client: one upstream model's outage opens that model's breaker,
 * not its provider's, so a fallback model on the same provider keeps serving; and once the model
 * recovers it serves again within {@code breaker.max-reset-timeout} (10 s), however long the outage
 * lasted. The node reads a {@link ManualClock}, so the breakers' timeouts pass without waiting.
 */
@Tag("integration")
class DeploymentBreakersTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PRIMARY = "gpt-4o";
  private static final String FALLBACK = "gpt-4o-mini";

  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T10:00:00Z"));
  /** While set, the primary model answers 500; the fallback model of the same provider always answers. */
  private final AtomicBoolean primaryDown = new AtomicBoolean(true);

  private static final Answer<FakeOpenAi.Received> SERVER_ERROR =
      FakeOpenAi.status(500, FakeOpenAi.envelope("The server had an error", "server_error"));

  /**
   * One OpenAI provider ({@code provider}: its own id per test, as breaker state is persisted) serving
   * model {@code chat} from {@value PRIMARY}, falling back to {@value FALLBACK}; {@code only-primary}
   * has no fallback. Breakers at their defaults but for three failures in a row.
   */
  private TestGateway gateway(String provider) {
    upstream.answer(r -> primaryDown.get() && PRIMARY.equals(r.json().path("model").asText())
        ? SERVER_ERROR.apply(r) : upstream.documented(r));
    return gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.providers.%1$s {
          kind = openai
          openai.base-url = "%2$s"
          retries.max-attempts = 1
          breaker.consecutive-failures = 3
        }
        switchboard.models.chat.deployments = [
          { provider = %1$s, upstream-model = "%3$s" },
          { provider = %1$s, upstream-model = "%4$s" }
        ]
        switchboard.models.only-primary { provider = %1$s, upstream-model = "%3$s" }
        """.formatted(provider, upstream.baseUrl(), PRIMARY, FALLBACK), Map.of(), clock);
  }

  private static String body(String model) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  }

  private static long callsTo(String upstreamModel) {
    return upstream.received().stream().filter(r -> upstreamModel.equals(r.json().path("model").asText())).count();
  }

  @Test
  void primaryModelDown_opensItsOwnBreaker_andTheFallbackOnTheSameProviderServesEveryRequest() throws Exception {
    TestGateway gateway = gateway("shared");

    for (int i = 1; i <= 15; i++) {
      HttpResponse<String> response = gateway.post("/v1/chat/completions", body("chat"));
      assertEquals(200, response.statusCode(), "request " + i + ": " + response.body());
      assertEquals("shared/" + FALLBACK, response.headers().firstValue("x-switchboard-deployment").orElseThrow());
      clock.advance(Duration.ofMillis(100));
    }

    assertEquals(3, callsTo(PRIMARY), "the primary's breaker opened after its third failure");
    assertEquals(15, callsTo(FALLBACK));
    assertEquals("closed", gateway.status("shared").breaker(), "the provider's connection never failed");
    assertEquals("open", gateway.status("shared").modelBreaker(PRIMARY));
    assertEquals("closed", gateway.status("shared").modelBreaker(FALLBACK));

    JsonNode shared = null;
    for (JsonNode p : JSON.readTree(gateway.get("/admin/providers").body()).path("providers")) {
      if (p.path("provider").asText().equals("shared")) shared = p;
    }
    assertEquals("open", shared.path("modelBreakers").path(PRIMARY).path("state").asText(), shared.toString());
    assertEquals(1, shared.path("modelBreakers").path(PRIMARY).path("transitions").path("open").asInt());
  }

  @Test
  void modelRecoveredAfterALongOutage_servesAgainWithinMaxResetTimeout() {
    TestGateway gateway = gateway("recovering");
    for (int i = 0; i < 3; i++) gateway.post("/v1/chat/completions", body("only-primary"));
    assertEquals("open", gateway.status("recovering").modelBreaker(PRIMARY));
    assertEquals(503, gateway.post("/v1/chat/completions", body("only-primary")).statusCode());

    // An outage of over a minute: each probe fails and the reset timeout grows, up to its 10 s cap, so
    // a probe still goes every 10 s.
    for (int probe = 0; probe < 6; probe++) {
      long before = callsTo(PRIMARY);
      clock.advance(Duration.ofSeconds(10));
      assertNotEquals(200, gateway.post("/v1/chat/completions", body("only-primary")).statusCode());
      assertEquals(before + 1, callsTo(PRIMARY), "probe " + probe + " reached the upstream");
      assertEquals("open", gateway.status("recovering").modelBreaker(PRIMARY), "probe " + probe + " failed");
    }
    long probes = callsTo(PRIMARY);

    primaryDown.set(false);
    clock.advance(Duration.ofSeconds(10));
    HttpResponse<String> recovered = gateway.post("/v1/chat/completions", body("only-primary"));

    assertEquals(200, recovered.statusCode(), recovered.body());
    assertEquals(probes + 1, callsTo(PRIMARY));
    assertEquals("closed", gateway.status("recovering").modelBreaker(PRIMARY));
    assertEquals(200, gateway.post("/v1/chat/completions", body("only-primary")).statusCode());
  }
}
