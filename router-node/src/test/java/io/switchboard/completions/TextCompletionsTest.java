package io.switchboard.completions;

import static io.switchboard.keys.KeyRequests.assertError;
import static io.switchboard.keys.KeyRequests.createKey;
import static io.switchboard.keys.KeyRequests.getWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code POST /v1/completions}, the legacy text completions API: passed through, plain and streamed, to
 * an OpenAI-compatible host that has it ({@code openai.completions = on}), refused with a 400 naming the
 * provider everywhere else, and accounted like any other call (usage records, the key's limits).
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TextCompletionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;
  private String key;

  @BeforeAll
  void start() {
    gateway = gateways.start("""
        switchboard.auth.mode = keys
        switchboard.usage.flush-interval = 50ms
        switchboard.provider-defaults { retries.max-attempts = 1 }
        switchboard.providers.vllm { kind = openai, openai { base-url = "%1$s", completions = on } }
        switchboard.providers.chat-only { kind = openai, openai { base-url = "%1$s" } }
        switchboard.models {
          # The alias is the upstream's own name: the client's bytes go upstream unchanged.
          "Qwen/Qwen2.5-Coder-7B" { provider = vllm }
          coder { provider = vllm, upstream-model = "Qwen/Qwen2.5-Coder-7B" }
          gpt { provider = chat-only, upstream-model = "gpt-4o" }
        }
        """.formatted(upstream.baseUrl()));
    key = createKey(gateway, "{\"name\":\"completer\"}").path("key").asText();
  }

  private HttpResponse<String> complete(String secret, String body) {
    return gateway.send(gateway.request("/v1/completions").header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + secret).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void plain_isPassedThrough_theClientsBytesUpAndTheUpstreamsAnswerBack() throws Exception {
    String body = "{\"model\":\"Qwen/Qwen2.5-Coder-7B\",\"prompt\":\"def fib(n):\",\"max_tokens\":7,\"suffix\":\"\\n\","
        + "\"echo\":false,\"logprobs\":null}";

    HttpResponse<String> response = complete(key, body);

    assertEquals(200, response.statusCode(), response.body());
    assertEquals(body, upstream.received().get(0).body().utf8String(), "forwarded byte for byte");
    assertEquals("/v1/completions", upstream.received().get(0).path());
    JsonNode answer = JSON.readTree(response.body());
    assertEquals("text_completion", answer.path("object").asText());
    assertEquals(FakeOpenAi.TEXT, answer.path("choices").get(0).path("text").asText());
    assertEquals(12, answer.path("usage").path("total_tokens").asInt());
    assertEquals("vllm/Qwen/Qwen2.5-Coder-7B", response.headers().firstValue("x-switchboard-deployment").orElse(null));
  }

  @Test
  void underAnAlias_onlyTheModelIsRewritten() throws Exception {
    assertEquals(200, complete(key, "{\"model\":\"coder\",\"prompt\":[\"a\",\"b\"],\"n\":2}").statusCode());

    JsonNode sent = upstream.received().get(0).json();
    assertEquals("Qwen/Qwen2.5-Coder-7B", sent.path("model").asText());
    assertEquals("[\"a\",\"b\"]", sent.path("prompt").toString());
    assertEquals(2, sent.path("n").asInt());
  }

  @Test
  void stream_isPassedThroughEventByEvent_endingInDone() throws Exception {
    HttpResponse<String> response = complete(key, "{\"model\":\"coder\",\"prompt\":\"def fib(n):\",\"stream\":true,"
        + "\"stream_options\":{\"include_usage\":true}}");

    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
    StringBuilder text = new StringBuilder();
    List<String> data = new ArrayList<>();
    for (String line : response.body().split("\n")) {
      if (!line.startsWith("data: ")) continue;
      data.add(line.substring(6));
      if (line.startsWith("data: {")) {
        for (JsonNode choice : JSON.readTree(line.substring(6)).path("choices")) text.append(choice.path("text").asText());
      }
    }
    assertEquals(FakeOpenAi.TEXT, text.toString());
    assertEquals("[DONE]", data.get(data.size() - 1));
    assertTrue(data.get(data.size() - 2).contains("\"usage\":{\"prompt_tokens\":5"), data.toString());
  }

  @Test
  void providerWithoutTextCompletions_isRefused400_namingIt() {
    HttpResponse<String> refused = complete(key, "{\"model\":\"gpt\",\"prompt\":\"Say this is a test\"}");

    assertError(refused, 400, "completions_not_supported");
    assertTrue(refused.body().contains("chat-only"), refused.body());
    assertError(complete(key, "{\"model\":\"switchboard-sim\",\"prompt\":\"x\"}"), 400, "completions_not_supported");
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void clientMistakes_are400sNamingTheField() {
    assertError(complete(key, "{\"model\":\"coder\"}"), 400, "invalid_value");
    assertError(complete(key, "{\"model\":\"coder\",\"prompt\":{}}"), 400, "invalid_value");
    assertError(complete(key, "{\"model\":\"coder\",\"prompt\":\"x\",\"max_tokens\":-1}"), 400, "invalid_value");
    assertError(complete(key, "{\"model\":\"coder\",\"prompt\":\"x\",\"stream\":\"yes\"}"), 400, "invalid_value");
    assertError(complete(key, "{\"model\":\"no-such-model\",\"prompt\":\"x\"}"), 404, "model_not_found");
    assertTrue(upstream.received().isEmpty());
  }

  @Test
  void usage_isRecorded_andTheKeysLimitsApply() {
    String secret = createKey(gateway, "{\"name\":\"one-a-minute\",\"requests_per_minute\":1,"
        + "\"allowed_models\":[\"coder\"]}").path("key").asText();
    assertEquals(200, complete(secret, "{\"model\":\"coder\",\"prompt\":\"x\"}").statusCode());

    assertError(complete(secret, "{\"model\":\"coder\",\"prompt\":\"x\"}"), 429, "rate_limit_exceeded");
    assertError(complete(secret, "{\"model\":\"Qwen/Qwen2.5-Coder-7B\",\"prompt\":\"x\"}"), 403, "model_not_allowed");
    assertEquals(1, upstream.received().size());
    gateways.testKit().createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      HttpResponse<String> usage = getWith(gateway, "/v1/usage?group_by=model", "x-api-key", secret);
      JsonNode row = JSON.readTree(usage.body()).path("data").get(0);
      assertEquals("coder", row.path("model").asText(), usage.body());
      assertEquals(1, row.path("requests").asLong());
      assertEquals(5, row.path("prompt_tokens").asLong());
      assertEquals(7, row.path("completion_tokens").asLong());
      return null;
    });
  }
}
