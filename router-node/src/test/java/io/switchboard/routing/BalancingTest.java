package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Balancing seen from a client: a weighted model's requests are served by both of its upstreams, and
 * a latency model sends its traffic to the upstream that answers faster once each has been measured.
 */
@Tag("integration")
class BalancingTest {
  @RegisterExtension static final FakeOpenAi first = new FakeOpenAi();
  @RegisterExtension static final FakeOpenAi second = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway(String strategy) {
    return gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.providers.first { kind = openai, openai.base-url = "%s" }
        switchboard.providers.second { kind = openai, openai.base-url = "%s" }
        switchboard.balancing.latency.probe-after = 1m
        switchboard.models.chat {
          strategy = %s
          deployments = [ { provider = first, upstream-model = "gpt-4o" }, { provider = second, upstream-model = "gpt-4o" } ]
        }
        switchboard.models.warm-up { provider = second, upstream-model = "gpt-4o" }
        """.formatted(first.baseUrl(), second.baseUrl(), strategy));
  }

  /** Sends {@code n} requests one after another; counts the deployments that served them. */
  private static Map<String, Integer> send(TestGateway gateway, String model, int n) {
    Map<String, Integer> served = new HashMap<>();
    for (int i = 0; i < n; i++) {
      HttpResponse<String> response = gateway.post("/v1/chat/completions",
          "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
      assertEquals(200, response.statusCode(), response.body());
      served.merge(response.headers().firstValue("x-switchboard-deployment").orElseThrow(), 1, Integer::sum);
    }
    return served;
  }

  @Test
  void weightedModel_sendsTrafficToBothUpstreams() {
    TestGateway gateway = gateway("weighted");
    Map<String, Integer> served = send(gateway, "chat", 40);

    assertTrue(first.received().size() >= 8 && second.received().size() >= 8,
        "equal weights share 40 requests: " + served);
    assertEquals(40, first.received().size() + second.received().size(), "no request was sent twice");
    assertEquals(first.received().size(), served.get("first/gpt-4o"));
  }

  @Test
  void latencyModel_sendsTrafficToTheFasterUpstream_afterOneProbeOfEach() {
    first.answer(first.delayed(Duration.ofSeconds(1)));
    TestGateway gateway = gateway("latency");
    // The gateway's first call is slow while its code warms up; that must not be the fast upstream's probe.
    send(gateway, "warm-up", 1);
    Map<String, Integer> served = send(gateway, "chat", 20);

    assertEquals(1, first.received().size(), "the slow upstream serves only its probe: " + served);
    assertEquals(1 + 19, second.received().size(), "the warm-up, then everything but the slow one's probe");
  }
}
