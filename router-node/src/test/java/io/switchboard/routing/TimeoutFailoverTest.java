package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An upstream that stays silent is not waited for again: after a first-byte timeout the request moves
 * to the model's next deployment at once, instead of retrying the silent one.
 */
@Tag("integration")
class TimeoutFailoverTest {
  @RegisterExtension static final FakeOpenAi primary = new FakeOpenAi();
  @RegisterExtension static final FakeOpenAi secondary = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway(String extra) {
    return gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.provider-defaults {
          retries { max-attempts = 3, base-delay = 10ms, max-delay = 20ms }
          breaker { consecutive-failures = 100 }
        }
        switchboard.providers.primary { kind = openai, openai.base-url = "%s", timeouts.first-byte = 300ms }
        switchboard.providers.secondary { kind = openai, openai.base-url = "%s" }
        switchboard.models.chat.deployments = [
          { provider = primary, upstream-model = "gpt-4o" },
          { provider = secondary, upstream-model = "gpt-4o-mini" }
        ]
        switchboard.models.only-primary { provider = primary, upstream-model = "gpt-4o" }
        %s
        """.formatted(primary.baseUrl(), secondary.baseUrl(), extra));
  }

  @Test
  void aSilentPrimary_isCalledOnce_andTheFallbackServes() {
    primary.answer(FakeOpenAi.silence());
    try (TestGateway gateway = gateway("")) {
      HttpResponse<String> response = gateway.post("/v1/chat/completions", RequestDeadlineTest.body("chat", false));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals("secondary/gpt-4o-mini", response.headers().firstValue("x-switchboard-deployment").orElseThrow());
      assertEquals(1, primary.received().size(), "a first-byte timeout is not retried on the same deployment");
      assertEquals(1, secondary.received().size());
    }
  }

  @Test
  void aSilentStreamingPrimary_isCalledOnce_andTheFallbackStreams() {
    primary.answer(FakeOpenAi.silence());
    try (TestGateway gateway = gateway("")) {
      HttpResponse<String> response = gateway.post("/v1/chat/completions", RequestDeadlineTest.body("chat", true));

      assertEquals(200, response.statusCode(), response.body());
      assertEquals(1, primary.received().size());
      assertEquals(true, response.body().endsWith("data: [DONE]\n\n"), response.body());
    }
  }

  @Test
  void aSilentDeploymentWithoutFallback_isAnswered504_afterOneAttempt() {
    primary.answer(FakeOpenAi.silence());
    try (TestGateway gateway = gateway("")) {
      HttpResponse<String> response = gateway.post("/v1/chat/completions",
          RequestDeadlineTest.body("only-primary", false));

      assertEquals(504, response.statusCode(), response.body());
      assertEquals(1, primary.received().size());
    }
  }
}
