package io.switchboard.http;

import static io.switchboard.keys.KeyRequests.createKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stored responses belong to the key that made them (another key hears 404 on every route and cannot
 * continue them), and a Responses call is metered like a chat call: one usage record at the model's
 * prices under the calling key.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponsesKeysTest {
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  @BeforeAll
  void start() {
    gateway = gateways.start("""
        switchboard.auth.mode = keys
        switchboard.usage.flush-interval = 50ms
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 8 }
        switchboard.models.priced {
          provider = simulated, upstream-model = "gpt-4o", input-price-per-million = 2.5, output-price-per-million = 10
        }
        """);
  }

  private HttpResponse<String> send(String secret, String method, String path, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri(path)).header("Authorization", "Bearer " + secret)
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return gateway.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anotherKey_getsNotFound_onEveryRoute_andCannotContinueTheConversation() {
    String owner = createKey(gateway, "{\"name\":\"owner\"}").path("key").asText();
    String other = createKey(gateway, "{\"name\":\"other\"}").path("key").asText();
    HttpResponse<String> created = send(owner, "POST", "/v1/responses", "{\"model\":\"priced\",\"input\":\"Secret plans\"}");
    assertEquals(200, created.statusCode(), created.body());
    String id = ResponsesApiTest.json(created.body()).path("id").asText();

    assertNotFound(send(other, "GET", "/v1/responses/" + id, null), null);
    assertNotFound(send(other, "GET", "/v1/responses/" + id + "/input_items", null), null);
    assertNotFound(send(other, "DELETE", "/v1/responses/" + id, null), null);
    assertNotFound(send(other, "POST", "/v1/responses",
        "{\"model\":\"priced\",\"input\":\"And then?\",\"previous_response_id\":\"" + id + "\"}"), "previous_response_id");

    assertEquals(200, send(owner, "GET", "/v1/responses/" + id, null).statusCode(), "still there for its owner");
    HttpResponse<String> continued = send(owner, "POST", "/v1/responses",
        "{\"model\":\"priced\",\"input\":\"And then?\",\"previous_response_id\":\"" + id + "\"}");
    assertEquals(200, continued.statusCode(), continued.body());
  }

  private static void assertNotFound(HttpResponse<String> response, String param) {
    assertEquals(404, response.statusCode(), response.body());
    JsonNode error = ResponsesApiTest.json(response.body()).path("error");
    assertEquals("invalid_request_error", error.path("type").asText());
    assertEquals("response_not_found", error.path("code").asText());
    assertEquals(param == null, error.path("param").isNull(), response.body());
    assertTrue(!response.body().contains("Secret plans"), "nothing of the stored response leaks");
  }

  @Test
  void aResponsesCall_isOneUsageRecord_underTheCallingKey_atTheModelsPrices() {
    JsonNode key = createKey(gateway, "{\"name\":\"metered\"}");
    String secret = key.path("key").asText();
    HttpResponse<String> created = send(secret, "POST", "/v1/responses", "{\"model\":\"priced\",\"input\":\"Prices?\"}");
    assertEquals(200, created.statusCode(), created.body());
    JsonNode usage = ResponsesApiTest.json(created.body()).path("usage");
    long input = usage.path("input_tokens").asLong();
    long output = usage.path("output_tokens").asLong();
    assertEquals(8, output);

    gateways.testKit().createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      HttpResponse<String> report = send(secret, "GET", "/v1/usage?group_by=model", null);
      assertEquals(200, report.statusCode(), report.body());
      JsonNode row = ResponsesApiTest.json(report.body()).path("data").path(0);
      assertEquals("priced", row.path("model").asText(), report.body());
      assertEquals(1, row.path("requests").asLong());
      assertEquals(input, row.path("prompt_tokens").asLong());
      assertEquals(output, row.path("completion_tokens").asLong());
      assertEquals(0, new java.math.BigDecimal(input * 2.5 + output * 10).movePointLeft(6)
          .compareTo(row.path("cost_usd").decimalValue()), report.body());
      return null;
    });
  }
}
