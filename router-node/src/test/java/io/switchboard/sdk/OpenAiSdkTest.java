package io.switchboard.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.errors.SseException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.models.Model;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.keys.KeyRequests;
import io.switchboard.provider.anthropic.FakeAnthropic;
import io.switchboard.provider.openai.FakeOpenAi;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * OpenAI's own Java SDK ({@code com.openai:openai-java}), unmodified, pointed at the gateway's
 * {@code /v1}: what its users see of answers, streams, tool calls and errors. The client validates
 * every response against the SDK's schema ({@code responseValidation(true)}), so a field the SDK
 * cannot read fails here rather than in a user's code later, and it never retries, so an error
 * reaches the test at once as the SDK's typed exception.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiSdkTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ANTHROPIC_KEY = "sk-ant-sdk";

  @RegisterExtension static final FakeOpenAi openAi = new FakeOpenAi();
  @RegisterExtension static final FakeAnthropic anthropic = new FakeAnthropic(ANTHROPIC_KEY);
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private OpenAIClient client;

  @BeforeAll
  void start() {
    TestGateway gateway = gateways.start("""
        # Each failure on its own: retries and the breaker are tested elsewhere.
        switchboard.provider-defaults { retries.max-attempts = 1, breaker { consecutive-failures = 1000, minimum-calls = 1000 } }
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 8 }
        switchboard.providers.oai { kind = openai, openai { base-url = "%1$s" } }
        # Same upstream, its own provider: the 429's pause holds back only this one.
        switchboard.providers.limited { kind = openai, openai { base-url = "%1$s" } }
        switchboard.providers.claude { kind = anthropic, anthropic { base-url = "%2$s", api-key-env = "K" } }
        switchboard.models {
          gpt { provider = oai, upstream-model = "gpt-4o" }
          limited { provider = limited, upstream-model = "gpt-4o" }
          claude { provider = claude, upstream-model = "claude-sonnet-4-5-20250929" }
          embed { provider = oai, upstream-model = "text-embedding-3-small", capabilities = [embeddings] }
          chatty { provider = simulated, upstream-model = "chatty-1", strengths { chat = 0.9, code = 0.2 } }
          coder { provider = simulated, upstream-model = "coder-1", strengths { chat = 0.3, code = 0.95 } }
        }
        switchboard.routes.auto { candidates = [chatty, coder] }
        """.formatted(openAi.baseUrl(), anthropic.baseUrl()), Map.of("K", ANTHROPIC_KEY));
    client = client(gateway, "any-key-an-open-gateway-ignores");
  }

  @AfterAll
  void stop() {
    client.close();
  }

  /** The SDK as a user would build it, on the gateway's {@code /v1}. */
  static OpenAIClient client(TestGateway gateway, String key) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(gateway.uri("/v1").toString())
        .apiKey(key)
        .maxRetries(0)
        .responseValidation(true)
        .timeout(Duration.ofSeconds(20))
        .build();
  }

  private static ChatCompletionCreateParams.Builder hello(String model) {
    return ChatCompletionCreateParams.builder().model(model).addSystemMessage("Be brief.").addUserMessage("Hello");
  }

  @Test
  void modelAuto_isAnsweredFromTheModelTheRouteChose_andTheSdkReadsWhichAndWhy() {
    HttpResponseFor<ChatCompletion> code = client.chat().completions().withRawResponse().create(
        ChatCompletionCreateParams.builder().model("auto")
            .addUserMessage("Please fix this bug:\n```java\nint f() { return 1 / 0; }\n```").build());
    HttpResponseFor<ChatCompletion> talk = client.chat().completions().withRawResponse().create(hello("auto").build());

    assertEquals(200, code.statusCode());
    assertEquals(List.of("coder"), code.headers().values("x-switchboard-model"));
    assertEquals("coder-1", code.parse().model());
    assertTrue(code.headers().values("x-switchboard-route-reason").get(0).startsWith("task=code(fence:java,fix,bug)"),
        code.headers().values("x-switchboard-route-reason").toString());
    assertEquals(List.of("chatty"), talk.headers().values("x-switchboard-model"));
    assertEquals("chatty-1", talk.parse().model());
  }

  @Test
  void plainCompletion_fromTheSimulatedProvider_isParsedFieldByField() {
    HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse()
        .create(hello("switchboard-sim").build());
    ChatCompletion completion = raw.parse();

    assertEquals(200, raw.statusCode());
    assertEquals(List.of("simulated/switchboard-sim-1"), raw.headers().values("x-switchboard-deployment"));
    assertTrue(completion.id().startsWith("chatcmpl-"), completion.id());
    assertEquals("switchboard-sim-1", completion.model());
    assertTrue(completion.created() > 0);
    ChatCompletion.Choice choice = completion.choices().get(0);
    assertEquals(1, completion.choices().size());
    assertEquals(0, choice.index());
    assertEquals(ChatCompletion.Choice.FinishReason.STOP, choice.finishReason());
    assertTrue(choice.message().content().orElseThrow().startsWith("This is a simulated reply"),
        choice.message().content().toString());
    assertTrue(choice.message().toolCalls().isEmpty());
    assertEquals(8, completion.usage().orElseThrow().completionTokens());
    assertTrue(completion.usage().orElseThrow().promptTokens() > 0);
    assertEquals(completion.usage().orElseThrow().promptTokens() + 8, completion.usage().orElseThrow().totalTokens());
  }

  @Test
  void plainCompletion_fromAnOpenAiUpstream_isTheUpstreamsAnswer() {
    ChatCompletion completion = client.chat().completions().create(hello("gpt").build());

    assertEquals("chatcmpl-fake123", completion.id());
    assertEquals("gpt-4o", completion.model());
    assertEquals(FakeOpenAi.CONTENT, completion.choices().get(0).message().content().orElseThrow());
    assertEquals(29, completion.usage().orElseThrow().totalTokens());
    assertEquals("gpt-4o", openAi.received().get(0).json().path("model").asText(),
        "the alias became the upstream's name");
  }

  @Test
  void streaming_chunksAccumulateToTheWholeText_andTheUsageChunkComesLast() {
    ChatCompletionCreateParams params = hello("switchboard-sim")
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
    List<ChatCompletionChunk> chunks;
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
      chunks = stream.stream().peek(accumulator::accumulate).toList();
    }

    StringBuilder text = new StringBuilder();
    for (ChatCompletionChunk chunk : chunks) {
      chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
    }
    ChatCompletion whole = accumulator.chatCompletion();
    assertTrue(text.toString().startsWith("This is a simulated reply"), text.toString());
    assertEquals(text.toString(), whole.choices().get(0).message().content().orElseThrow());
    assertEquals(ChatCompletion.Choice.FinishReason.STOP, whole.choices().get(0).finishReason());
    ChatCompletionChunk last = chunks.get(chunks.size() - 1);
    assertTrue(last.choices().isEmpty(), "the usage chunk has no choices");
    assertEquals(8, last.usage().orElseThrow().completionTokens());
    assertEquals(8, whole.usage().orElseThrow().completionTokens());
    chunks.subList(0, chunks.size() - 1).forEach(chunk -> assertTrue(chunk.usage().isEmpty(), chunk.toString()));
  }

  private static ChatCompletionCreateParams weatherTools(String model) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage("Weather in Paris and Tokyo?")
        .addFunctionTool(FunctionDefinition.builder().name("get_weather")
            .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object")).build())
            .build())
        .build();
  }

  private static void assertWeatherCalls(ChatCompletion completion) throws Exception {
    ChatCompletion.Choice choice = completion.choices().get(0);
    assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
    List<ChatCompletionMessageToolCall> calls = choice.message().toolCalls().orElseThrow();
    assertEquals(2, calls.size(), calls.toString());
    String[][] expected = {{"toolu_01", "Paris"}, {"toolu_02", "Tokyo"}};
    for (int i = 0; i < expected.length; i++) {
      ChatCompletionMessageFunctionToolCall call = calls.get(i).asFunction();
      assertEquals(expected[i][0], call.id());
      assertEquals("get_weather", call.function().name());
      assertEquals(expected[i][1], JSON.readTree(call.function().arguments()).path("location").asText());
    }
  }

  @Test
  void toolCalls_fromAnAnthropicUpstream_comeBackAsTypedFunctionCalls() throws Exception {
    ChatCompletion completion = client.chat().completions().create(weatherTools("claude"));

    assertWeatherCalls(completion);
    assertEquals("get_weather", anthropic.received().get(0).json().path("tools").get(0).path("name").asText());
  }

  @Test
  void toolCalls_streamedFromAnAnthropicUpstream_accumulateToTypedFunctionCalls() throws Exception {
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
    ChatCompletionCreateParams params = weatherTools("claude").toBuilder()
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }

    ChatCompletion whole = accumulator.chatCompletion();
    assertWeatherCalls(whole);
    assertEquals(FakeAnthropic.OUTPUT_TOKENS, whole.usage().orElseThrow().completionTokens(),
        "the usage chunk arrived");
    assertEquals(FakeAnthropic.INPUT_TOKENS, whole.usage().orElseThrow().promptTokens());
  }

  @Test
  void toolResults_sentBackAsTheSdkBuildsThem_reachTheAnthropicUpstreamAsToolResults() throws Exception {
    ChatCompletion calls = client.chat().completions().create(weatherTools("claude"));
    ChatCompletionCreateParams.Builder next = weatherTools("claude").toBuilder()
        .addMessage(calls.choices().get(0).message());
    for (ChatCompletionMessageToolCall call : calls.choices().get(0).message().toolCalls().orElseThrow()) {
      next.addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.asFunction().id()).content("18C")
          .build());
    }

    ChatCompletion answer = client.chat().completions().create(next.build());

    assertEquals(FakeAnthropic.TEXT, answer.choices().get(0).message().content().orElseThrow());
    JsonNode messages = anthropic.received().get(1).json().path("messages");
    JsonNode assistant = messages.get(1);
    assertEquals("assistant", assistant.path("role").asText(), messages.toString());
    assertEquals(List.of("toolu_01", "toolu_02"), blockIds(assistant.path("content"), "tool_use", "id"));
    JsonNode results = messages.get(messages.size() - 1);
    assertEquals("user", results.path("role").asText(), messages.toString());
    assertEquals(List.of("toolu_01", "toolu_02"), blockIds(results.path("content"), "tool_result", "tool_use_id"));
  }

  private static List<String> blockIds(JsonNode blocks, String type, String idField) {
    List<String> ids = new ArrayList<>();
    for (JsonNode block : blocks) {
      if (block.path("type").asText().equals(type)) ids.add(block.path(idField).asText());
    }
    return ids;
  }

  @Test
  void streamCutShort_isAnErrorTheSdkRaises_notAShortAnswer() {
    openAi.answer(openAi.cutBeforeFinish());

    SseException error = assertThrows(SseException.class, () -> {
      try (StreamResponse<ChatCompletionChunk> stream =
          client.chat().completions().createStreaming(hello("gpt").build())) {
        stream.stream().forEach(chunk -> { });
      }
    });
    assertEquals("upstream_reset", error.code().orElseThrow());
    assertTrue(error.getMessage().contains("finish"), error.getMessage());
  }

  @Test
  void malformedEventMidStream_isATypedErrorTheSdkRaises() {
    openAi.answer(openAi.faultAfterFirstChunk(org.apache.pekko.util.ByteString.fromString("data: <html>oops</html>\n\n")));

    SseException error = assertThrows(SseException.class, () -> {
      try (StreamResponse<ChatCompletionChunk> stream =
          client.chat().completions().createStreaming(hello("gpt").build())) {
        stream.stream().forEach(chunk -> { });
      }
    });
    assertEquals("malformed_upstream_event", error.code().orElseThrow());
    assertFalse(error.getMessage().contains("oops"), error.getMessage());
  }

  @Test
  void streamEndingAfterItsFinishWithoutDone_isAWholeAnswerForTheSdk() {
    openAi.answer(openAi.finishWithoutDone());

    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(hello("gpt").build())) {
      stream.stream().forEach(chunks::add);
    }
    assertEquals(ChatCompletionChunk.Choice.FinishReason.STOP,
        chunks.get(chunks.size() - 1).choices().get(0).finishReason().orElseThrow());
  }

  @Test
  void models_listedAndRetrieved_areTheGatewaysModels() {
    List<String> ids = client.models().list().autoPager().stream().map(Model::id).toList();

    // "auto" is the gateway's auto route: listed beside the models, with its own "route" field, which the
    // SDK reads past.
    assertEquals(List.of("auto", "chatty", "claude", "coder", "embed", "gpt", "limited", "switchboard-sim"),
        ids.stream().sorted().toList());
    assertEquals("switchboard", client.models().retrieve("auto").ownedBy());
    Model sim = client.models().retrieve("switchboard-sim");
    assertEquals("switchboard-sim", sim.id());
    assertEquals("simulated", sim.ownedBy());
    assertThrows(NotFoundException.class, () -> client.models().retrieve("gpt-nonexistent"));
  }

  @Test
  void embeddings_fromTheSimulatedProvider_areDeterministicVectorsOfTheAskedDimensions() {
    CreateEmbeddingResponse first = client.embeddings().create(EmbeddingCreateParams.builder()
        .model("switchboard-sim").inputOfArrayOfStrings(List.of("The food was delicious", "The waiter was rude"))
        .dimensions(8).build());
    CreateEmbeddingResponse again = client.embeddings().create(EmbeddingCreateParams.builder()
        .model("switchboard-sim").input("The food was delicious").dimensions(8).build());

    assertEquals(2, first.data().size());
    assertEquals(1, first.data().get(1).index());
    assertEquals(8, first.data().get(0).embedding().size());
    assertEquals(first.data().get(0).embedding(), again.data().get(0).embedding(), "same input, same vector");
    assertTrue(first.usage().promptTokens() > 0);
    assertEquals(first.usage().promptTokens(), first.usage().totalTokens());
  }

  @Test
  void embeddings_fromAnOpenAiUpstream_areItsVectorsAndUsage() {
    CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
        .model("embed").inputOfArrayOfStrings(List.of("alpha", "beta")).build());

    assertEquals(List.of(1.0f, 2.0f), response.data().stream().map(e -> e.embedding().get(0)).toList());
    assertEquals(3, response.data().get(0).embedding().size());
    assertEquals(2 * FakeOpenAi.EMBEDDING_TOKENS_PER_INPUT, response.usage().promptTokens());
    assertEquals("text-embedding-3-small", response.model());
    assertEquals("/v1/embeddings", openAi.received().get(0).path());
  }

  @Test
  void unknownModel_isTheSdksNotFoundException_withTheGatewaysMessage() {
    NotFoundException error = assertThrows(NotFoundException.class,
        () -> client.chat().completions().create(hello("gpt-nonexistent").build()));

    assertEquals(404, error.statusCode());
    assertEquals("model_not_found", error.code().orElseThrow());
    assertEquals("model", error.param().orElseThrow());
    assertTrue(error.getMessage().contains("gpt-nonexistent") && error.getMessage().contains("/v1/models"),
        error.getMessage());
  }

  @Test
  void upstream429WithRetryAfter_isTheSdksRateLimitException_withTheRetryAfter() {
    openAi.answer(FakeOpenAi.status(429, FakeOpenAi.envelope("Rate limit reached for requests", "requests"),
        RawHeader.create("Retry-After", "7")));

    RateLimitException error = assertThrows(RateLimitException.class,
        () -> client.chat().completions().create(hello("limited").build()));

    assertEquals(429, error.statusCode());
    long retryAfter = Long.parseLong(error.headers().values("Retry-After").get(0));
    assertTrue(retryAfter >= 1 && retryAfter <= 7, "the upstream's 7 s, less what has passed: " + retryAfter);
    assertEquals(1, openAi.received().size(), "the client asked for no retry, and the gateway made none");
  }

  @Test
  void keysRequired_aValidKeyIsServed_aBadKeyIsTheSdksUnauthorizedException() {
    TestGateway withKeys = gateways.start("switchboard.auth.mode = keys");
    String secret = KeyRequests.createKey(withKeys, "{\"name\":\"sdk\"}").path("key").asText();

    OpenAIClient good = client(withKeys, secret);
    OpenAIClient bad = client(withKeys, "sk-not-a-key-of-this-gateway");
    try {
      assertTrue(good.chat().completions().create(hello("switchboard-sim").build()).choices().get(0).message()
          .content().isPresent());

      UnauthorizedException error = assertThrows(UnauthorizedException.class,
          () -> bad.chat().completions().create(hello("switchboard-sim").build()));
      assertEquals(401, error.statusCode());
      assertEquals("invalid_api_key", error.code().orElseThrow());
      assertTrue(error.getMessage().contains("not a key of this gateway"), error.getMessage());
    } finally {
      good.close();
      bad.close();
    }
  }
}
