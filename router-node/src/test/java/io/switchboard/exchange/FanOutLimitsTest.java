package io.switchboard.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.keys.KeyRequests;
import io.switchboard.provider.openai.FakeOpenAi;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A fan-out multiplies calls, never limits: every candidate call is admitted by the provider and the key
 * like any call, so many fan-outs at once cannot send a provider more than its limit, nor spend more than
 * the key's budget; and an Anthropic caller gets a fan-out's answer in its own dialect.
 */
@Tag("integration")
class FanOutLimitsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway(String extra) {
    return gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.provider-defaults.retries.max-attempts = 1
        switchboard.providers.p { kind = openai, openai.base-url = "%s" }
        switchboard.models.m1 { provider = p, upstream-model = "gpt-1" }
        switchboard.models.m2 { provider = p, upstream-model = "gpt-2" }
        switchboard.models.m3 { provider = p, upstream-model = "gpt-3" }
        %s
        """.formatted(upstream.baseUrl(), extra));
  }

  @Test
  void manyFanOutsAtOnce_neverSendTheProviderMoreThanItsLimit() throws Exception {
    upstream.answer(r -> FakeOpenAi.status(200, FanOutTest.completion(r.json().path("model").asText(), "Paris"))
        .apply(r));
    try (TestGateway gateway = gateway("""
        switchboard.providers.p { limits.requests-per-minute = 4, queue.max-wait = 200ms }
        switchboard.fan-outs.vote { strategy = vote, candidates = [m1, m2, m3], vote { no-quorum = best } }
        """)) {
      List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        sent.add(CompletableFuture.supplyAsync(() -> gateway.post("/v1/chat/completions", FanOutTest.body("vote", false))));
      }
      int answered = 0;
      for (CompletableFuture<HttpResponse<String>> response : sent) {
        HttpResponse<String> r = response.get(30, TimeUnit.SECONDS);
        assertTrue(r.statusCode() == 200 || r.statusCode() == 429, r.statusCode() + " " + r.body());
        if (r.statusCode() == 200) answered++;
      }

      assertTrue(upstream.received().size() <= 4, "18 candidate calls, a limit of 4 a minute: "
          + upstream.received().size() + " reached the upstream");
      assertTrue(answered >= 1, "the calls that were admitted answered");
    }
  }

  @Test
  void manyFanOutsAtOnce_neverSpendMoreThanTheKeysBudget() throws Exception {
    upstream.answer(r -> FakeOpenAi.status(200, FanOutTest.completion(r.json().path("model").asText(), "Paris"))
        .apply(r));
    // Each call costs 25 tokens at $1,000 per million = $0.025 and reserves (prompt + 100) tokens first.
    try (TestGateway gateway = gateway("""
        switchboard.auth.mode = keys
        switchboard.model-defaults { input-price-per-million = 1000, output-price-per-million = 1000,
                                     max-output-tokens = 100 }
        switchboard.fan-outs.vote { strategy = vote, candidates = [m1, m2, m3], vote { no-quorum = best } }
        """)) {
      BigDecimal budget = new BigDecimal("0.2");
      JsonNode key = KeyRequests.createKey(gateway, "{\"name\":\"fan\",\"budget_usd\":" + budget + "}");
      String secret = key.path("key").asText();
      List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 6; i++) {
          sent.add(CompletableFuture.supplyAsync(() ->
              KeyRequests.chatWith(gateway, "x-api-key", secret, FanOutTest.body("vote", false))));
        }
        for (CompletableFuture<HttpResponse<String>> response : sent) response.get(30, TimeUnit.SECONDS);
      }

      long refused = sent.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 429).count();
      assertTrue(refused > 0, "the budget ran out");
      gateways.testKit().createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
        JsonNode groups = JSON.readTree(gateway.get("/admin/usage?group_by=key").body()).path("data");
        BigDecimal spent = BigDecimal.ZERO;
        for (JsonNode g : groups) spent = spent.add(new BigDecimal(g.path("cost_usd").asText("0")));
        assertTrue(spent.compareTo(budget) <= 0, "spent " + spent + " of a budget of " + budget);
        assertTrue(spent.signum() > 0);
        return null;
      });
    }
  }

  @Test
  void anAnthropicCaller_getsTheFanOutsAnswerAsAMessage() throws Exception {
    upstream.answer(r -> FakeOpenAi.status(200, FanOutTest.completion(r.json().path("model").asText(), "Paris"))
        .apply(r));
    try (TestGateway gateway = gateway("switchboard.fan-outs.vote { strategy = vote, candidates = [m1, m2, m3] }")) {
      HttpResponse<String> response = gateway.send(gateway.request("/v1/messages")
          .header("Content-Type", "application/json").header("anthropic-version", "2023-06-01")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"vote\",\"max_tokens\":64,"
              + "\"messages\":[{\"role\":\"user\",\"content\":\"What is the capital of France?\"}]}")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertEquals(200, response.statusCode(), response.body());
      JsonNode message = JSON.readTree(response.body());
      assertEquals("message", message.path("type").asText(), response.body());
      assertEquals("Paris", message.path("content").path(0).path("text").asText(), response.body());
      assertTrue(response.headers().firstValue("x-switchboard-consensus").orElse("").startsWith("2/3")
          || response.headers().firstValue("x-switchboard-consensus").orElse("").startsWith("3/3"));
    }
  }
}
