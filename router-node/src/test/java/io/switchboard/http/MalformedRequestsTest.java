package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.TestGateway;
import io.switchboard.persistence.TestStores;
import io.switchboard.provider.anthropic.FakeAnthropic;
import io.switchboard.provider.ollama.FakeOllama;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Nulls in arrays and wrong types in nested blocks are the client's mistake: a 400 in the client's own
 * envelope that names the field, never a 500. On the Anthropic ingress the field is named as Anthropic
 * names it ({@code messages.0.content.0}); on the OpenAI ingress as OpenAI does ({@code messages[0].content[0]}),
 * also when the model is served by a provider whose translation reads those fields.
 */
@Tag("integration")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MalformedRequestsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "anthropic-test-key";

  @RegisterExtension static final FakeAnthropic anthropic = new FakeAnthropic(KEY);
  @RegisterExtension static final FakeOllama ollama = new FakeOllama("llama3.2");

  @JUnit5TestKit final ActorTestKit testKit;
  private TestGateway gateway;

  MalformedRequestsTest(@TempDir Path dataDir) {
    testKit = new JUnit5TestKitBuilder().withCustomConfig(TestStores.h2(dataDir)).build();
  }

  @BeforeAll
  void start() {
    gateway = TestGateway.start(testKit, """
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 4 }
        switchboard.providers.claude { kind = anthropic, anthropic { base-url = "%s", api-key-env = "K" } }
        switchboard.providers.local { kind = ollama, ollama { base-url = "%s" } }
        switchboard.models {
          claude { provider = claude, upstream-model = "claude-sonnet-4-5-20250929" }
          llama { provider = local, upstream-model = "llama3.2" }
        }
        """.formatted(anthropic.baseUrl(), ollama.baseUrl()), Map.of("K", KEY));
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "messages.0.content.0 | \"messages\":[{\"role\":\"user\",\"content\":[null]}]",
      "messages.0 | \"messages\":[null]",
      "messages.1.content.0 | \"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":[null]}]",
      "messages.0.content.0.tool_use_id | \"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":5,\"content\":\"x\"}]}]",
      "messages.0.content.0.tool_use_id | \"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":{\"a\":1}}]}]",
      "messages.0.content.0.content | \"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":5}]}]",
      "messages.0.content.0.content | \"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":{\"a\":1}}]}]",
      "messages.0.content.0.content.0 | \"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":[null]}]}]",
      "messages.0.content.0.text | \"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":{\"a\":1}}]}]",
      "messages.0.content.0.type | \"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]",
      "messages.0.content | \"messages\":[{\"role\":\"user\"}]",
      "messages.0.role | \"messages\":[{\"role\":5,\"content\":\"x\"}]",
      "system.0 | \"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"system\":[null]",
      "tools.0 | \"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[null]",
      "stop_sequences.0 | \"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop_sequences\":[null]",
      "tool_choice.name | \"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":{\"type\":\"tool\"}"})
  void anthropicIngress_malformedBlock_is400NamingTheField(String field, String fields) throws Exception {
    for (String model : new String[] {"switchboard-sim", "claude"}) {
      String body = "{\"model\":\"" + model + "\",\"max_tokens\":16," + fields + "}";
      assertAnthropic400(gateway.post("/v1/messages", body), field);
      // count_tokens reads no stop_sequences: nothing to refuse there.
      if (!field.startsWith("stop_sequences")) assertAnthropic400(gateway.post("/v1/messages/count_tokens", body), field);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "messages[0].content | \"messages\":[{\"role\":\"user\",\"content\":{\"a\":1}}]",
      "messages[0].content | \"messages\":[{\"role\":\"user\",\"content\":5}]",
      "messages[0].content[0] | \"messages\":[{\"role\":\"user\",\"content\":[null]}]",
      "messages[1].content[1] | \"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},7]}]",
      "messages[0].tool_calls[0] | \"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[null]},{\"role\":\"user\",\"content\":\"x\"}]"})
  void openAiIngress_malformedContent_is400NamingTheField(String field, String fields) throws Exception {
    for (String model : new String[] {"switchboard-sim", "claude", "llama"}) {
      HttpResponse<String> response = gateway.post("/v1/chat/completions", "{\"model\":\"" + model + "\"," + fields + "}");

      assertEquals(400, response.statusCode(), model + ": " + response.body());
      JsonNode error = JSON.readTree(response.body()).path("error");
      assertEquals("invalid_request_error", error.path("type").asText(), response.body());
      assertEquals(field, error.path("param").asText(), response.body());
    }
  }

  @Test
  void wrongTypeAtTheTopLevel_isToldInTheClientsTerms_withoutJavaTypes() throws Exception {
    HttpResponse<String> anthropicAnswer = gateway.post("/v1/messages", "{\"model\":\"claude\",\"max_tokens\":16,"
        + "\"temperature\":\"hot\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    HttpResponse<String> keyAnswer = gateway.post("/admin/keys", "{\"name\":\"a\",\"budget_usd\":\"lots\"}");

    assertEquals(400, anthropicAnswer.statusCode(), anthropicAnswer.body());
    assertEquals("invalid_request_error",
        JSON.readTree(anthropicAnswer.body()).path("error").path("type").asText(), anthropicAnswer.body());
    assertTrue(anthropicAnswer.body().contains("temperature"), anthropicAnswer.body());
    assertEquals(400, keyAnswer.statusCode(), keyAnswer.body());
    assertEquals("budget_usd", JSON.readTree(keyAnswer.body()).path("error").path("param").asText(), keyAnswer.body());
    for (String body : new String[] {anthropicAnswer.body(), keyAnswer.body()}) {
      assertFalse(body.contains("java.") || body.contains("deserialize") || body.contains("io.switchboard"), body);
    }
  }

  private static void assertAnthropic400(HttpResponse<String> response, String field) throws Exception {
    assertEquals(400, response.statusCode(), response.body());
    JsonNode body = JSON.readTree(response.body());
    assertEquals("error", body.path("type").asText(), response.body());
    assertEquals("invalid_request_error", body.path("error").path("type").asText(), response.body());
    assertTrue(body.path("error").path("message").asText().startsWith(field + ": "), response.body());
  }
}
