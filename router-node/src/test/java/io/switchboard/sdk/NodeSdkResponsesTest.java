package io.switchboard.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.keys.KeyRequests;
import io.switchboard.provider.anthropic.FakeAnthropic;
import io.switchboard.provider.openai.FakeOpenAi;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the official {@code openai} Node SDK, unmodified, sees of {@code /v1/responses} on a gateway that
 * requires keys: {@code responses.create} plain and streamed, its stream helper, {@code retrieve},
 * {@code inputItems.list} and {@code delete}, a function tool round trip continued with
 * {@code previous_response_id} (served by an Anthropic upstream, translated both ways), and its typed
 * errors. {@code responses.mjs} makes the calls and prints what it observed; see {@link NodeSdkProject}
 * for what it needs (Node.js 18+ and npm).
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeSdkResponsesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String UPSTREAM_KEY = "sk-ant-node-responses";

  @RegisterExtension static final FakeAnthropic anthropicUpstream = new FakeAnthropic(UPSTREAM_KEY);
  @RegisterExtension static final FakeOpenAi openAiUpstream = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private JsonNode observed;

  @BeforeAll
  void runTheSdkAgainstAGateway() throws Exception {
    NodeSdkProject sdk = NodeSdkProject.install(Path.of("target", "node-sdk"));
    TestGateway gateway = gateways.start("""
        switchboard.auth.mode = keys
        switchboard.providers.anthropic { kind = anthropic, anthropic { base-url = "%s", api-key-env = "ANTHROPIC_KEY" } }
        switchboard.providers.openai { kind = openai, openai { base-url = "%s", api-key-env = "OPENAI_KEY" } }
        switchboard.models {
          claude { provider = anthropic, upstream-model = "claude-sonnet-4-5-20250929" }
          gpt { provider = openai, upstream-model = "gpt-4o-mini" }
        }
        """.formatted(anthropicUpstream.baseUrl(), openAiUpstream.baseUrl()),
        Map.of("ANTHROPIC_KEY", UPSTREAM_KEY, "OPENAI_KEY", "sk-openai-node-responses"));
    String key = KeyRequests.createKey(gateway, "{\"name\":\"node-responses\"}").path("key").asText();
    String printed = sdk.run("responses.mjs", Map.of(
        "BASE_URL", gateway.uri("").toString(), "API_KEY", key, "TEXT_MODEL", "gpt", "TOOL_MODEL", "claude"));
    try {
      observed = JSON.readTree(printed);
    } catch (Exception e) {
      throw new AssertionError("responses.mjs did not print one JSON object:\n" + printed, e);
    }
  }

  private JsonNode observation(String name) {
    JsonNode node = observed.path(name);
    assertFalse(node.has("failed"), name + " failed: " + node);
    return node;
  }

  @Test
  void create_retrieve_listInputItems_delete() {
    JsonNode plain = observation("plain");

    assertEquals("response", plain.path("object").asText(), plain.toString());
    assertEquals("completed", plain.path("status").asText());
    assertEquals(FakeOpenAi.CONTENT, plain.path("text").asText(), "the SDK's output_text");
    assertEquals(JSON.valueToTree(Map.of("input", 19, "output", 10, "total", 29)), plain.path("usage"));
    assertEquals(plain.path("id").asText(), plain.path("retrievedId").asText());
    assertEquals(List.of("message"), strings(plain.path("inputItems")));
    assertEquals("NotFoundError", plain.path("afterDelete").path("sdkClass").asText(), plain.toString());
  }

  @Test
  void streamed_eventsInOrder_numberedFromZero_andTheHelperRebuildsTheResponse() {
    JsonNode streamed = observation("streamed");

    List<String> types = strings(streamed.path("types"));
    assertEquals("response.created", types.get(0), types.toString());
    assertEquals("response.completed", types.get(types.size() - 1));
    assertTrue(types.contains("response.output_text.delta"), types.toString());
    for (int i = 0; i < streamed.path("sequence").size(); i++) {
      assertEquals(i, streamed.path("sequence").get(i).asInt(), streamed.toString());
    }
    assertEquals(FakeOpenAi.CONTENT, streamed.path("text").asText());
    assertEquals(22, streamed.path("usage").path("total").asInt(), streamed.toString());

    JsonNode helper = observation("helper");
    assertEquals(FakeOpenAi.CONTENT, helper.path("text").asText(), helper.toString());
    assertEquals("completed", helper.path("status").asText());
  }

  @Test
  void functionTools_roundTrip_withPreviousResponseId() {
    JsonNode tools = observation("tools");

    assertEquals(List.of("toolu_01", "toolu_02"), strings(tools.path("callIds")), tools.toString());
    assertEquals(List.of("get_weather", "get_weather"), strings(tools.path("names")));
    assertEquals("Paris", tools.path("arguments").get(0).path("location").asText());
    assertEquals(FakeAnthropic.TEXT, tools.path("text").asText());
    assertEquals(tools.path("firstId").asText(), tools.path("previous").asText());
  }

  @Test
  void refusals_areTheSdksTypedErrors_namingTheParameter() {
    JsonNode errors = observed.path("errors");

    assertEquals("BadRequestError", errors.path("builtInTool").path("sdkClass").asText(), errors.toString());
    assertEquals("tools[0].type", errors.path("builtInTool").path("param").asText());
    assertEquals("NotFoundError", errors.path("unknownPrevious").path("sdkClass").asText());
    assertEquals("previous_response_id", errors.path("unknownPrevious").path("param").asText());
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(value -> values.add(value.asText()));
    return values;
  }
}
