package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.FakeUpstream.Answer;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One deadline covers all attempts of a request: retries and fallbacks that do not fit in what is left
 * of {@code timeouts.total} are not started, and a request whose deadline passes is answered 504 in
 * the caller's dialect, however many attempts it made.
 */
@Tag("integration")
class RequestDeadlineTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi primary = new FakeOpenAi();
  @RegisterExtension static final FakeOpenAi secondary = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  /**
   * Primary (whose total timeout is the request's deadline) falling back to secondary, started and warmed
   * up: the first request also waits for the providers' entities to start, which a one-second deadline
   * would count. The fakes then forget the warm-up.
   */
  private TestGateway gateway(String extra) {
    TestGateway gateway = start(extra);
    for (int i = 0; i < 20 && gateway.post("/v1/chat/completions", body("chat", false)).statusCode() != 200; i++) {
      // the provider's entity is still starting: its admission took longer than the deadline
    }
    assertEquals(200, gateway.post("/v1/chat/completions", body("chat", false)).statusCode());
    primary.reset();
    secondary.reset();
    return gateway;
  }

  private TestGateway start(String extra) {
    return gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.provider-defaults {
          retries { max-attempts = 5, base-delay = 10ms, max-delay = 20ms }
          breaker { consecutive-failures = 100 }
        }
        switchboard.providers.primary { kind = openai, openai.base-url = "%s", timeouts.total = 1s }
        switchboard.providers.secondary { kind = openai, openai.base-url = "%s" }
        switchboard.models.chat.deployments = [
          { provider = primary, upstream-model = "gpt-4o" },
          { provider = secondary, upstream-model = "gpt-4o-mini" }
        ]
        switchboard.models.only-primary { provider = primary, upstream-model = "gpt-4o" }
        %s
        """.formatted(primary.baseUrl(), secondary.baseUrl(), extra));
  }

  static String body(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"stream\":" + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  }

  /** A 500 that takes 400 ms to come: five attempts would take two seconds. */
  private static Answer<FakeOpenAi.Received> slowServerError(FakeOpenAi fake) {
    return fake.delayed(Duration.ofMillis(400),
        FakeOpenAi.status(500, FakeOpenAi.envelope("The server had an error", "server_error")));
  }

  @Test
  void slowFailingAttempts_share_oneDeadline_andTheClientGets504() throws Exception {
    try (TestGateway gateway = gateway("")) {
      primary.answer(slowServerError(primary));
      HttpResponse<String> response = gateway.post("/v1/chat/completions", body("only-primary", false));

      assertEquals(504, response.statusCode(), response.body());
      JsonNode error = JSON.readTree(response.body()).path("error");
      assertEquals("upstream_timeout", error.path("type").asText());
      assertTrue(error.path("message").asText().contains("timeouts.total"), error.toString());
      int calls = primary.received().size();
      assertTrue(calls >= 1 && calls <= 3, "at most three 400 ms attempts fit in one second, not five: " + calls);
    }
  }

  @Test
  void aFallbackIsNotStarted_onceTheDeadlineHasPassed() throws Exception {
    try (TestGateway gateway = gateway("")) {
      primary.answer(slowServerError(primary));
      HttpResponse<String> response = gateway.post("/v1/chat/completions", body("chat", false));

      assertEquals(504, response.statusCode(), response.body());
      assertEquals(0, secondary.received().size(), "the deadline passed during the primary's attempts");
    }
  }

  @Test
  void aStreamSilentAfterItsHeaders_isCutAtTheDeadline_andItsConnectionClosed() throws Exception {
    try (TestGateway gateway = gateway("")) {
      primary.answer(primary.slowBody()); // 200 and a few bytes, then nothing: no event, ever

      HttpResponse<String> response = gateway.post("/v1/chat/completions", body("only-primary", true));

      assertEquals(504, response.statusCode(), "nothing had reached the client: " + response.body());
      assertEquals(1, primary.received().size(), "a timeout is not retried on the same deployment");
      primary.streamEnded().get(10, java.util.concurrent.TimeUnit.SECONDS); // the upstream saw its connection closed
    }
  }

  @Test
  void theDeadline_reachesAnAnthropicCaller_inAnthropicsEnvelope() throws Exception {
    try (TestGateway gateway = gateway("")) {
      primary.answer(slowServerError(primary));
      HttpResponse<String> response = gateway.post("/v1/messages", """
          {"model":"only-primary","max_tokens":64,"messages":[{"role":"user","content":"Hi"}]}""");

      assertEquals(504, response.statusCode(), response.body());
      JsonNode json = JSON.readTree(response.body());
      assertEquals("error", json.path("type").asText(), response.body());
      assertTrue(json.path("error").path("message").asText().contains("timeouts.total"), response.body());
    }
  }
}
