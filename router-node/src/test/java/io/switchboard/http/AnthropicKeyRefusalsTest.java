package io.switchboard.http;

import static io.switchboard.keys.KeyRequests.createKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.keys.KeyRequests;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A key the gateway refuses on the Anthropic ingress ({@code /v1/messages}, {@code /v1/messages/count_tokens})
 * is told so in Anthropic's envelope, {@code {"type":"error","error":{"type","message"}}}, with the
 * status the OpenAI routes give, so that Anthropic's SDKs raise their own AuthenticationError,
 * PermissionDeniedError or RateLimitError. The OpenAI routes keep OpenAI's envelope.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnthropicKeyRefusalsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MESSAGES = "/v1/messages";
  private static final String COUNT = "/v1/messages/count_tokens";
  private static final String HELLO = "{\"model\":\"switchboard-sim\",\"max_tokens\":5,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
  private static final String COUNT_HELLO = "{\"model\":\"switchboard-sim\","
      + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  @BeforeAll
  void start() {
    // "priced" costs $1,000 per million tokens each way: one request's maximal cost is far over a budget of $0.0001.
    gateway = gateways.start("""
        switchboard.auth.mode = keys
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 8 }
        switchboard.models.other { provider = simulated, upstream-model = other-1 }
        switchboard.models.priced {
          provider = simulated, upstream-model = priced-1
          input-price-per-million = 1000, output-price-per-million = 1000
        }
        """);
  }

  private HttpResponse<String> post(String path, String body, String header, String value) {
    HttpRequest.Builder request = gateway.request(path).header("Content-Type", "application/json")
        .header("anthropic-version", "2023-06-01").POST(HttpRequest.BodyPublishers.ofString(body));
    if (header != null) request.header(header, value);
    return gateway.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Anthropic's envelope, and nothing of OpenAI's: no top-level {@code error.code} or {@code error.param}. */
  private static JsonNode assertAnthropicError(HttpResponse<String> response, int status, String type) throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    JsonNode body = JSON.readTree(response.body());
    assertEquals("error", body.path("type").asText(), response.body());
    JsonNode error = body.path("error");
    assertEquals(type, error.path("type").asText(), response.body());
    assertFalse(error.path("message").asText().isBlank(), response.body());
    assertFalse(error.has("code") || error.has("param"), "an OpenAI envelope: " + response.body());
    return error;
  }

  @Test
  void missingOrUnknownKey_is401AuthenticationError_onBothRoutes() throws Exception {
    for (String[] call : List.of(new String[] {MESSAGES, HELLO}, new String[] {COUNT, COUNT_HELLO})) {
      JsonNode missing = assertAnthropicError(post(call[0], call[1], null, null), 401, "authentication_error");
      assertTrue(missing.path("message").asText().contains("x-api-key"), missing.toString());

      String wrong = "sk-sb-not-a-key-of-this-gateway";
      HttpResponse<String> unknown = post(call[0], call[1], "x-api-key", wrong);
      assertAnthropicError(unknown, 401, "authentication_error");
      assertFalse(unknown.body().contains(wrong), "the refusal echoes the key");
      assertAnthropicError(post(call[0], call[1], "Authorization", "Bearer " + wrong), 401, "authentication_error");
    }
    // The OpenAI routes keep OpenAI's envelope.
    KeyRequests.assertError(KeyRequests.chatWith(gateway, "x-api-key", "sk-sb-nope", HELLO), 401, "invalid_api_key");
  }

  @Test
  void revokedKey_is401AuthenticationError_sayingItWasRevoked() throws Exception {
    JsonNode created = createKey(gateway, "{\"name\":\"gone\"}");
    String secret = created.path("key").asText();
    assertEquals(200, post(MESSAGES, HELLO, "x-api-key", secret).statusCode());
    gateway.send(gateway.request("/admin/keys/" + created.path("id").asText()).DELETE().build(),
        HttpResponse.BodyHandlers.ofString());

    JsonNode error = assertAnthropicError(post(MESSAGES, HELLO, "x-api-key", secret), 401, "authentication_error");
    assertTrue(error.path("message").asText().contains("revoked"), error.toString());
  }

  @Test
  void modelTheKeyMayNotUse_is403PermissionError_onBothRoutes() throws Exception {
    String secret = createKey(gateway, "{\"name\":\"only-other\",\"allowed_models\":[\"other\"]}").path("key").asText();

    JsonNode error = assertAnthropicError(post(MESSAGES, HELLO, "x-api-key", secret), 403, "permission_error");
    assertTrue(error.path("message").asText().contains("switchboard-sim"), error.toString());
    assertAnthropicError(post(COUNT, COUNT_HELLO, "x-api-key", secret), 403, "permission_error");

    assertEquals(200, post(MESSAGES, HELLO.replace("switchboard-sim", "other"), "x-api-key", secret).statusCode());
    assertEquals(200, post(COUNT, COUNT_HELLO.replace("switchboard-sim", "other"), "x-api-key", secret).statusCode());
  }

  @Test
  void keyOverItsRequestsPerMinute_is429RateLimitError_withRetryAfter() throws Exception {
    String secret = createKey(gateway, "{\"name\":\"slow\",\"requests_per_minute\":1}").path("key").asText();
    assertEquals(200, post(MESSAGES, HELLO, "x-api-key", secret).statusCode());

    HttpResponse<String> second = post(MESSAGES, HELLO, "x-api-key", secret);
    assertAnthropicError(second, 429, "rate_limit_error");
    long retryAfter = Long.parseLong(second.headers().firstValue("retry-after").orElseThrow());
    assertTrue(retryAfter >= 1 && retryAfter <= 60, "retry-after " + retryAfter);
  }

  @Test
  void keyOverItsBudget_is429RateLimitError_sayingTheBudgetIsSpent() throws Exception {
    String secret = createKey(gateway, "{\"name\":\"capped\",\"budget_usd\":0.0001}").path("key").asText();

    HttpResponse<String> refused = post(MESSAGES, HELLO.replace("switchboard-sim", "priced"), "x-api-key", secret);

    JsonNode error = assertAnthropicError(refused, 429, "rate_limit_error");
    assertTrue(error.path("message").asText().toLowerCase(java.util.Locale.ROOT).contains("budget"), error.toString());
    // On the OpenAI route the same refusal is OpenAI's insufficient_quota.
    KeyRequests.assertError(KeyRequests.chatWith(gateway, "x-api-key", secret,
        "{\"model\":\"priced\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"),
        429, "insufficient_quota");
  }
}
