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
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the official Node SDKs, unmodified ({@code openai} and {@code @anthropic-ai/sdk}, pinned in
 * {@code src/test/resources/node-sdk/package-lock.json}), see of a gateway that requires keys: each
 * SDK's plain call, its stream (raw and through its stream helper), {@code countTokens}, and its typed
 * errors, against three kinds of serving: the simulated provider, an OpenAI upstream and an Anthropic
 * upstream (in-process fakes), so each SDK sees both an answer passed through and one translated.
 *
 * <p>{@code check.mjs} makes the calls and prints what it observed as one JSON object; this class
 * starts the gateway, runs it once, and asserts what an SDK user would notice. It needs Node.js 18+
 * and npm, and the npm registry the first time ({@link NodeSdkProject}).
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeSdkTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The simulated provider's first seven tokens, the same whatever the prompt. */
  private static final String SIMULATED_TEXT = "This is a simulated reply from Switchboard.";
  private static final int SIMULATED_TOKENS = 7;
  private static final String UPSTREAM_KEY = "sk-ant-node-sdk";

  @RegisterExtension static final FakeAnthropic anthropicUpstream = new FakeAnthropic(UPSTREAM_KEY);
  @RegisterExtension static final FakeOpenAi openAiUpstream = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private JsonNode observed;

  @BeforeAll
  void runTheSdksAgainstAGateway() throws Exception {
    NodeSdkProject sdks = NodeSdkProject.install(Path.of("target", "node-sdk"));
    TestGateway gateway = gateways.start("""
        switchboard.auth.mode = keys
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = %d }
        switchboard.providers.anthropic { kind = anthropic, anthropic { base-url = "%s", api-key-env = "ANTHROPIC_KEY" } }
        switchboard.providers.openai { kind = openai, openai { base-url = "%s", api-key-env = "OPENAI_KEY" } }
        switchboard.models {
          claude { provider = anthropic, upstream-model = "claude-sonnet-4-5-20250929" }
          gpt { provider = openai, upstream-model = "gpt-4o-mini" }
        }
        """.formatted(SIMULATED_TOKENS, anthropicUpstream.baseUrl(), openAiUpstream.baseUrl()),
        Map.of("ANTHROPIC_KEY", UPSTREAM_KEY, "OPENAI_KEY", "sk-openai-node-sdk"));
    String key = KeyRequests.createKey(gateway, "{\"name\":\"node-sdk\"}").path("key").asText();
    String printed = sdks.run("check.mjs", Map.of(
        "BASE_URL", gateway.uri("").toString(),
        "API_KEY", key,
        "OPENAI_MODELS", "switchboard-sim,gpt,claude",
        "ANTHROPIC_MODELS", "claude,gpt,switchboard-sim",
        "MISSING_MODEL", "no-such-model"));
    try {
      observed = JSON.readTree(printed);
    } catch (Exception e) {
      throw new AssertionError("check.mjs did not print one JSON object:\n" + printed, e);
    }
  }

  /** Model, the text it serves, and its usage: prompt and completion plain, then streamed (0: any positive). */
  static Stream<Arguments> openAiModels() {
    return Stream.of(
        Arguments.of("switchboard-sim", SIMULATED_TEXT, 0, SIMULATED_TOKENS, 0, SIMULATED_TOKENS),
        Arguments.of("gpt", FakeOpenAi.CONTENT, 19, 10, 19, 3),
        Arguments.of("claude", FakeAnthropic.TEXT, FakeAnthropic.INPUT_TOKENS, FakeAnthropic.OUTPUT_TOKENS,
            FakeAnthropic.INPUT_TOKENS, FakeAnthropic.OUTPUT_TOKENS));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("openAiModels")
  void openAiSdk_getsTheServedText_plainStreamedAndThroughItsHelper_withUsage(String model, String text, int prompt,
      int completion, int streamedPrompt, int streamedCompletion) {
    JsonNode calls = observed.path("openai").path("models").path(model);

    JsonNode plain = calls.path("plain");
    assertEquals("chat.completion", plain.path("object").asText(), plain.toString());
    assertEquals("assistant", plain.path("role").asText(), plain.toString());
    assertEquals(text, plain.path("text").asText(), plain.toString());
    assertEquals("stop", plain.path("finishReason").asText(), plain.toString());
    assertUsage(plain.path("usage"), prompt, completion);
    assertFalse(plain.path("requestId").asText().isBlank(), "the SDK's _request_id (x-request-id): " + plain);

    JsonNode streamed = calls.path("streamed");
    assertEquals(text, streamed.path("text").asText(), streamed.toString());
    assertEquals("stop", streamed.path("finishReason").asText(), streamed.toString());
    assertEquals(0, streamed.path("usageChunkChoices").asInt(-1), "the usage chunk has no choices: " + streamed);
    assertUsage(streamed.path("usage"), streamedPrompt, streamedCompletion);

    JsonNode helper = calls.path("helper");
    assertEquals(text, helper.path("text").asText(), helper.toString());
    assertEquals("stop", helper.path("finishReason").asText(), helper.toString());
    assertUsage(helper.path("usage"), streamedPrompt, streamedCompletion);
  }

  private static void assertUsage(JsonNode usage, int prompt, int completion) {
    int p = usage.path("prompt").asInt(-1);
    int c = usage.path("completion").asInt(-1);
    if (prompt == 0) assertTrue(p > 0, "prompt tokens: " + usage); else assertEquals(prompt, p, usage.toString());
    assertEquals(completion, c, usage.toString());
    assertEquals(p + c, usage.path("total").asInt(), usage.toString());
  }

  /** Model, the text it serves, and its usage: input and output plain, then streamed (0: any positive). */
  static Stream<Arguments> anthropicModels() {
    return Stream.of(
        Arguments.of("claude", FakeAnthropic.TEXT, FakeAnthropic.INPUT_TOKENS, FakeAnthropic.OUTPUT_TOKENS,
            FakeAnthropic.INPUT_TOKENS, FakeAnthropic.OUTPUT_TOKENS),
        Arguments.of("gpt", FakeOpenAi.CONTENT, 19, 10, 19, 3),
        Arguments.of("switchboard-sim", SIMULATED_TEXT, 0, SIMULATED_TOKENS, 0, SIMULATED_TOKENS));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("anthropicModels")
  void anthropicSdk_getsTheServedText_plainStreamedAndAsRawEvents_withUsage(String model, String text, int input,
      int output, int streamedInput, int streamedOutput) {
    JsonNode calls = observed.path("anthropic").path("models").path(model);

    JsonNode plain = calls.path("plain");
    assertEquals("message", plain.path("type").asText(), plain.toString());
    assertEquals("assistant", plain.path("role").asText(), plain.toString());
    assertEquals(text, plain.path("text").asText(), plain.toString());
    assertEquals("end_turn", plain.path("stopReason").asText(), plain.toString());
    assertTokens(plain.path("usage"), input, output);

    JsonNode streamed = calls.path("streamed");
    assertEquals(text, streamed.path("deltas").asText(), "the helper's text events: " + streamed);
    assertEquals(text, streamed.path("text").asText(), "the helper's final message: " + streamed);
    assertEquals("end_turn", streamed.path("stopReason").asText(), streamed.toString());
    assertTokens(streamed.path("usage"), streamedInput, streamedOutput);

    JsonNode events = calls.path("events");
    assertEquals("message_start", events.path("first").asText(), events.toString());
    assertEquals("message_stop", events.path("last").asText(), events.toString());
    assertEquals(text, events.path("text").asText(), events.toString());
    assertEquals("end_turn", events.path("stopReason").asText(), events.toString());
    assertEquals(streamedOutput, events.path("usage").path("output").asInt(), events.toString());
    assertTrue(events.path("usage").path("startInput").asInt() > 0, "message_start's input_tokens: " + events);
  }

  @Test
  void openAiSdk_embeddings_areTheSimulatedVectors_base64AndFloatAlike() {
    JsonNode embeddings = observed.path("openai").path("embeddings");

    assertEquals("list", embeddings.path("object").asText(), embeddings.toString());
    assertEquals("[8,8]", embeddings.path("lengths").toString());
    assertEquals("[0,1]", embeddings.path("indexes").toString());
    for (int i = 0; i < 8; i++) {
      double first = embeddings.path("first").get(i).asDouble();
      assertEquals(first, embeddings.path("again").get(i).asDouble(), 0.0, "same input, same vector");
      assertEquals(first, embeddings.path("floats").get(i).asDouble(), 1e-6, "base64 and float say the same");
    }
    assertFalse(embeddings.path("first").equals(embeddings.path("second")), embeddings.toString());
    assertTrue(embeddings.path("usage").path("prompt").asInt() > 0, embeddings.toString());
  }

  @Test
  void anthropicSdk_messageRequestId_isTheAnthropicUpstreamsOwn_andSetForEveryModel() {
    JsonNode models = observed.path("anthropic").path("models");

    assertEquals("req_fake", models.path("claude").path("plain").path("requestId").asText(), models.toString());
    for (String model : new String[] {"gpt", "switchboard-sim"}) {
      assertFalse(models.path(model).path("plain").path("requestId").asText().isBlank(), model + ": " + models);
    }
  }

  @Test
  void anthropicSdk_listsEveryModel_pageByPage_inAnthropicsShape() {
    JsonNode listed = observed.path("anthropic").path("listed");

    assertTrue(listed.isArray(), listed.toString());
    java.util.List<String> ids = new java.util.ArrayList<>();
    for (JsonNode model : listed) {
      ids.add(model.path("id").asText());
      assertEquals("model", model.path("type").asText(), model.toString());
      assertEquals(model.path("id").asText(), model.path("displayName").asText(), model.toString());
      java.time.Instant.parse(model.path("createdAt").asText());
    }
    assertEquals(java.util.List.of("claude", "gpt", "switchboard-sim"), ids.stream().sorted().toList());
  }

  private static void assertTokens(JsonNode usage, int input, int output) {
    int i = usage.path("input").asInt(-1);
    if (input == 0) assertTrue(i > 0, "input tokens: " + usage); else assertEquals(input, i, usage.toString());
    assertEquals(output, usage.path("output").asInt(-1), usage.toString());
  }

  @Test
  void anthropicSdk_countsTokens_forEveryKindOfModel() {
    for (String model : new String[] {"claude", "gpt", "switchboard-sim"}) {
      JsonNode count = observed.path("anthropic").path("models").path(model).path("countTokens");
      assertTrue(count.isInt() && count.asInt() > 0, model + ": " + count);
    }
  }

  @Test
  void unknownModel_isEachSdksNotFoundError_with404() {
    JsonNode openAi = observed.path("openai").path("errors");
    for (String call : new String[] {"unknownModel", "unknownModelStreamed"}) {
      assertSdkError(openAi.path(call), "NotFoundError", 404);
      assertEquals("model_not_found", openAi.path(call).path("code").asText(), openAi.toString());
      assertFalse(openAi.path(call).path("requestId").asText().isBlank(), openAi.toString());
    }
    JsonNode anthropic = observed.path("anthropic").path("errors");
    for (String call : new String[] {"unknownModel", "unknownModelStreamed", "unknownModelCounted"}) {
      assertSdkError(anthropic.path(call), "NotFoundError", 404);
      assertEquals("not_found_error", anthropic.path(call).path("type").asText(), anthropic.toString());
    }
  }

  @Test
  void badKey_isEachSdksAuthenticationError_with401() {
    JsonNode openAi = observed.path("openai").path("errors").path("badKey");
    assertSdkError(openAi, "AuthenticationError", 401);
    assertEquals("invalid_api_key", openAi.path("code").asText(), openAi.toString());
    JsonNode anthropic = observed.path("anthropic").path("errors").path("badKey");
    assertSdkError(anthropic, "AuthenticationError", 401);
    assertEquals("authentication_error", anthropic.path("type").asText(), anthropic.toString());
  }

  @Test
  void sdks_areThePinnedVersions() {
    JsonNode versions = observed.path("versions");
    assertEquals("7.60.0", versions.path("openai").asText(), versions.toString());
    assertEquals("1.17.0", versions.path("anthropic").asText(), versions.toString());
  }

  private static void assertSdkError(JsonNode error, String sdkClass, int status) {
    assertEquals(sdkClass, error.path("sdkClass").asText(), error.toString());
    assertEquals(sdkClass, error.path("name").asText(), error.toString());
    assertEquals(status, error.path("status").asInt(), error.toString());
  }
}
