package io.switchboard.usage;

import static io.switchboard.keys.KeyRequests.assertError;
import static io.switchboard.keys.KeyRequests.chatWith;
import static io.switchboard.keys.KeyRequests.createKey;
import static io.switchboard.keys.KeyRequests.getWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.tokens.TokenEstimator;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Usage and cost as clients and operators see them: each call's cost from the catalog prices, each key
 * seeing only its own usage, streams counted when they carry no usage, and a budget that holds under
 * many concurrent requests.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageAndBudgetTest {
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  @BeforeAll
  void start() {
    gateway = gateways.start("""
        switchboard.auth.mode = keys
        switchboard.usage.flush-interval = 50ms
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 8 }
        switchboard.providers.slow { kind = simulated, max-in-flight = 100, simulated { latency = 100ms, tokens-per-second = 0, default-completion-tokens = 8 } }
        switchboard.models.priced {
          provider = simulated, upstream-model = "gpt-4o", input-price-per-million = 2.5, output-price-per-million = 10
        }
        switchboard.models.dear { provider = slow, upstream-model = "dear-1", output-price-per-million = 1000 }
        """);
  }

  private static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + body, e);
    }
  }

  private static String chat(String model, String extra) {
    return "{\"model\":\"" + model + "\"" + extra + ",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about prices\"}]}";
  }

  private JsonNode usageOf(String secret, String query) {
    HttpResponse<String> response = getWith(gateway, "/v1/usage" + query, "x-api-key", secret);
    assertEquals(200, response.statusCode(), response.body());
    return json(response.body()).path("data");
  }

  @Test
  void eachCall_costsItsUsageAtTheCatalogPrices() {
    String secret = createKey(gateway, "{\"name\":\"pricing\"}").path("key").asText();
    BigDecimal expected = BigDecimal.ZERO;
    long prompt = 0;
    long completion = 0;
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> answer = chatWith(gateway, "x-api-key", secret, chat("priced", ""));
      assertEquals(200, answer.statusCode(), answer.body());
      JsonNode usage = json(answer.body()).path("usage");
      prompt += usage.path("prompt_tokens").asLong();
      completion += usage.path("completion_tokens").asLong();
      expected = expected.add(BigDecimal.valueOf(usage.path("prompt_tokens").asLong()).multiply(new BigDecimal("2.5"))
          .add(BigDecimal.valueOf(usage.path("completion_tokens").asLong()).multiply(BigDecimal.TEN)).divide(MILLION));
    }
    JsonNode row = usageOf(secret, "?group_by=model,deployment").get(0);
    assertEquals("priced", row.path("model").asText());
    assertEquals("simulated/gpt-4o", row.path("deployment").asText());
    assertEquals(2, row.path("requests").asLong());
    assertEquals(prompt, row.path("prompt_tokens").asLong());
    assertEquals(completion, row.path("completion_tokens").asLong());
    assertEquals(0, expected.compareTo(row.path("cost_usd").decimalValue()), row + " expected " + expected);
  }

  @Test
  void aKeySeesOnlyItsOwnUsage_theAdminSeesEveryKey() {
    JsonNode a = createKey(gateway, "{\"name\":\"team-a\"}");
    JsonNode b = createKey(gateway, "{\"name\":\"team-b\"}");
    String aSecret = a.path("key").asText();
    String bSecret = b.path("key").asText();
    chatWith(gateway, "x-api-key", aSecret, chat("priced", ""));
    chatWith(gateway, "x-api-key", aSecret, chat("priced", ""));
    chatWith(gateway, "x-api-key", bSecret, chat("priced", ""));

    JsonNode ofA = usageOf(aSecret, "?group_by=key");
    assertEquals(1, ofA.size(), ofA.toString());
    assertEquals(a.path("id").asText(), ofA.get(0).path("key_id").asText());
    assertEquals(2, ofA.get(0).path("requests").asLong());
    JsonNode ofB = usageOf(bSecret, "?group_by=key,day");
    assertEquals(1, ofB.size(), ofB.toString());
    assertEquals(b.path("id").asText(), ofB.get(0).path("key_id").asText());
    assertEquals(1, ofB.get(0).path("requests").asLong());

    JsonNode all = json(gateway.get("/admin/usage?group_by=key").body()).path("data");
    List<String> keys = new ArrayList<>();
    all.forEach(row -> keys.add(row.path("key_id").asText()));
    assertTrue(keys.contains(a.path("id").asText()) && keys.contains(b.path("id").asText()), all.toString());
    JsonNode onlyB = json(gateway.get("/admin/usage?key_id=" + b.path("id").asText()).body()).path("data");
    assertEquals(1, onlyB.get(0).path("requests").asLong());
    assertError(gateway.get("/admin/usage?group_by=colour"), 400, "invalid_value");
    assertError(gateway.get("/admin/usage?from=yesterday"), 400, "invalid_value");
  }

  @Test
  void streamWithoutAUsageChunk_isCountedWithTheTokenizer() throws Exception {
    String secret = createKey(gateway, "{\"name\":\"streamer\"}").path("key").asText();
    HttpResponse<String> stream = chatWith(gateway, "x-api-key", secret, chat("priced", ",\"stream\":true"));
    assertEquals(200, stream.statusCode());
    StringBuilder text = new StringBuilder();
    for (String line : stream.body().split("\n")) {
      if (line.startsWith("data: {")) {
        for (JsonNode choice : json(line.substring(6)).path("choices")) {
          text.append(choice.path("delta").path("content").asText(""));
        }
      }
    }
    int counted = new TokenEstimator().textTokens(text.toString(), "gpt-4o");
    assertTrue(counted > 0);
    // The record is written when the stream's end is settled, just after its last byte: wait for it.
    gateways.testKit().createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      JsonNode rows = usageOf(secret, "");
      assertEquals(1, rows.size(), rows.toString());
      assertEquals(counted, rows.get(0).path("completion_tokens").asLong());
      return null;
    });
  }

  @Test
  void budget_holdsUnderManyConcurrentRequests_andTheRestAreRefusedInsufficientQuota() throws Exception {
    // Each request reserves max_tokens 10 x $0.001 = $0.01 and really costs 8 x $0.001 = $0.008.
    JsonNode key = createKey(gateway, "{\"name\":\"capped\",\"budget_usd\":0.1}");
    String secret = key.path("key").asText();
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      calls.add(client.sendAsync(HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
          .header("Content-Type", "application/json").header("x-api-key", secret)
          .POST(HttpRequest.BodyPublishers.ofString(chat("dear", ",\"max_tokens\":10"))).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    int served = 0;
    int refused = 0;
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      HttpResponse<String> response = call.get(30, TimeUnit.SECONDS);
      if (response.statusCode() == 200) {
        served++;
      } else {
        assertError(response, 429, "insufficient_quota");
        refused++;
      }
    }
    assertTrue(served >= 10 && refused >= 1, served + " served, " + refused + " refused");
    BigDecimal spent = usageOf(secret, "").get(0).path("cost_usd").decimalValue();
    assertTrue(spent.compareTo(new BigDecimal("0.1")) <= 0, "spent " + spent);
    assertEquals(0, new BigDecimal("0.008").multiply(BigDecimal.valueOf(served)).compareTo(spent), "spent " + spent);
    // How many of the burst were admitted depends on how their arrivals interleaved with settlements.
    // One at a time, requests are served while a whole reservation ($0.01) fits in what is left, then
    // refused; the spending never passes the cap.
    BigDecimal cap = new BigDecimal("0.1");
    while (cap.subtract(spent).compareTo(new BigDecimal("0.01")) >= 0) {
      assertEquals(200, chatWith(gateway, "x-api-key", secret, chat("dear", ",\"max_tokens\":10")).statusCode());
      spent = spent.add(new BigDecimal("0.008"));
      served++;
    }
    assertError(chatWith(gateway, "x-api-key", secret, chat("dear", ",\"max_tokens\":10")), 429, "insufficient_quota");
    BigDecimal recorded = usageOf(secret, "").get(0).path("cost_usd").decimalValue();
    assertEquals(0, new BigDecimal("0.008").multiply(BigDecimal.valueOf(served)).compareTo(recorded), "spent " + recorded);
    assertTrue(recorded.compareTo(cap) <= 0, "spent " + recorded);
  }
}
