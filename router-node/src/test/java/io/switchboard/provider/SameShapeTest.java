package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.SseEvents;
import io.switchboard.TestGateway;
import io.switchboard.provider.anthropic.FakeAnthropic;
import io.switchboard.provider.ollama.FakeOllama;
import io.switchboard.provider.openai.FakeOpenAi;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One gateway, four provider kinds, one client request: whichever provider serves it, the answer has
 * the same shape (AUDIT A11). Switching provider is changing the model name, nothing else.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SameShapeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi openai = new FakeOpenAi();
  @RegisterExtension static final FakeAnthropic anthropic = new FakeAnthropic("sk-ant-shape");
  @RegisterExtension static final FakeOllama ollama = new FakeOllama("llama3.2:latest");
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  @BeforeAll
  void start() {
    gateway = gateways.start("""
        # Each failure on its own, as the adapter maps it: retries and the breaker are tested elsewhere.
        switchboard.provider-defaults { retries.max-attempts = 1, breaker { consecutive-failures = 1000, minimum-calls = 1000 } }
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0 }
        switchboard.providers.oa { kind = openai, openai.base-url = "%s" }
        switchboard.providers.claude { kind = anthropic, anthropic { base-url = "%s", api-key-env = "K" } }
        switchboard.providers.local { kind = ollama, ollama.base-url = "%s" }
        switchboard.models {
          via-openai { provider = oa, upstream-model = gpt-4o-mini }
          via-anthropic { provider = claude, upstream-model = claude-sonnet-4-5 }
          via-ollama { provider = local, upstream-model = llama3.2 }
        }
        """.formatted(openai.baseUrl(), anthropic.baseUrl(), ollama.baseUrl()), Map.of("K", "sk-ant-shape"));
  }

  private static String chat(String model, String extra) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"Say hello\"}],\"max_tokens\":16" + extra + "}";
  }

  @ParameterizedTest
  @ValueSource(strings = {"switchboard-sim", "via-openai", "via-anthropic", "via-ollama"})
  void completion_hasTheSameShapeWhateverServedIt(String model) throws Exception {
    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(model, ""));

    assertEquals(200, response.statusCode(), response.body());
    JsonNode body = JSON.readTree(response.body());
    assertTrue(body.path("id").isTextual() && body.path("model").isTextual(), model + ": " + body);
    assertEquals("chat.completion", body.path("object").asText());
    assertTrue(body.path("created").isIntegralNumber(), model);
    assertEquals(1, body.path("choices").size());
    JsonNode choice = body.path("choices").get(0);
    assertEquals(0, choice.path("index").asInt());
    assertEquals("assistant", choice.path("message").path("role").asText());
    assertTrue(choice.path("message").path("content").isTextual(), model + ": " + body);
    assertFalse(choice.path("message").path("content").asText().isEmpty(), model);
    assertTrue(choice.has("logprobs"), model + ": logprobs is written (null)");
    assertTrue(List.of("stop", "length").contains(choice.path("finish_reason").asText()), model + ": " + body);
    JsonNode usage = body.path("usage");
    for (String count : List.of("prompt_tokens", "completion_tokens", "total_tokens")) {
      assertTrue(usage.path(count).isIntegralNumber(), model + ": usage." + count + " in " + body);
    }
    assertEquals(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt(),
        usage.path("total_tokens").asInt(), model);
    assertTrue(response.headers().firstValue("x-switchboard-deployment").isPresent(), model);
  }

  @ParameterizedTest
  @ValueSource(strings = {"switchboard-sim", "via-openai", "via-anthropic", "via-ollama"})
  void stream_hasTheSameShapeWhateverServedIt(String model) throws Exception {
    HttpResponse<InputStream> response = gateway.postStreaming("/v1/chat/completions",
        chat(model, ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));

    assertEquals(200, response.statusCode());
    List<String> events = new SseEvents(response.body()).all();
    assertEquals("[DONE]", events.get(events.size() - 1), model);
    List<String> chunks = events.subList(0, events.size() - 1);
    String id = JSON.readTree(chunks.get(0)).path("id").asText();
    for (String chunk : chunks) {
      JsonNode node = JSON.readTree(chunk);
      assertEquals("chat.completion.chunk", node.path("object").asText(), model + ": " + chunk);
      assertEquals(id, node.path("id").asText(), model + ": one id for the whole stream");
    }
    JsonNode first = JSON.readTree(chunks.get(0)).path("choices").get(0);
    assertEquals("assistant", first.path("delta").path("role").asText(), model);
    assertTrue(first.has("finish_reason") && first.get("finish_reason").isNull(),
        model + ": finish_reason null until the end");
    JsonNode finish = JSON.readTree(chunks.get(chunks.size() - 2)).path("choices").get(0);
    assertTrue(List.of("stop", "length").contains(finish.path("finish_reason").asText()), model + ": " + finish);
    JsonNode usage = JSON.readTree(chunks.get(chunks.size() - 1));
    assertEquals(0, usage.path("choices").size(), model + ": the usage chunk has \"choices\": []");
    assertTrue(usage.path("usage").path("total_tokens").asInt() > 0, model);
  }
}
