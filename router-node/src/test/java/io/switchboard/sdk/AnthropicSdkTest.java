package io.switchboard.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.HttpResponseFor;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.InternalServerException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.SseException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.ErrorType;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.anthropic.models.models.ModelInfo;
import com.anthropic.models.models.ModelListParams;
import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.keys.KeyRequests;
import io.switchboard.provider.anthropic.FakeAnthropic;
import io.switchboard.provider.openai.FakeOpenAi;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Anthropic's own Java SDK ({@code com.anthropic:anthropic-java}), unmodified, pointed at the gateway:
 * messages served by the simulated provider, passed through from an Anthropic upstream and translated
 * from an OpenAI one; their event streams; token counting; and the errors its users catch. The client
 * validates every response against the SDK's schema ({@code responseValidation(true)}) and never
 * retries, so an error reaches the test at once as the SDK's typed exception.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnthropicSdkTest {
  private static final String ANTHROPIC_KEY = "sk-ant-sdk";
  private static final String UPSTREAM_MODEL = "claude-sonnet-4-5-20250929";

  @RegisterExtension static final FakeOpenAi openAi = new FakeOpenAi();
  @RegisterExtension static final FakeAnthropic anthropic = new FakeAnthropic(ANTHROPIC_KEY);
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private AnthropicClient client;

  @BeforeAll
  void start() {
    TestGateway gateway = gateways.start("""
        # Each failure on its own: retries and the breaker are tested elsewhere.
        switchboard.provider-defaults { retries.max-attempts = 1, breaker { consecutive-failures = 1000, minimum-calls = 1000 } }
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 8 }
        switchboard.providers.claude { kind = anthropic, anthropic { base-url = "%1$s", api-key-env = "K" } }
        # Same upstream, its own provider: the overload pauses only this one.
        switchboard.providers.busy { kind = anthropic, anthropic { base-url = "%1$s", api-key-env = "K" } }
        switchboard.providers.oai { kind = openai, openai { base-url = "%2$s" } }
        switchboard.models {
          claude { provider = claude, upstream-model = "%3$s" }
          busy { provider = busy, upstream-model = "%3$s" }
          gpt { provider = oai, upstream-model = "gpt-4o" }
        }
        """.formatted(anthropic.baseUrl(), openAi.baseUrl(), UPSTREAM_MODEL), Map.of("K", ANTHROPIC_KEY));
    client = client(gateway, "any-key-an-open-gateway-ignores");
  }

  @AfterAll
  void stop() {
    client.close();
  }

  /** The SDK as a user would build it, on the gateway's origin (the SDK adds {@code /v1/messages}). */
  static AnthropicClient client(TestGateway gateway, String key) {
    return AnthropicOkHttpClient.builder()
        .baseUrl(gateway.uri("").toString())
        .apiKey(key)
        .maxRetries(0)
        .responseValidation(true)
        .timeout(Duration.ofSeconds(20))
        .build();
  }

  private static MessageCreateParams hello(String model) {
    return MessageCreateParams.builder().model(model).maxTokens(64).system("Be brief.")
        .addUserMessage("Hello, Claude").build();
  }

  private static String text(Message message) {
    StringBuilder text = new StringBuilder();
    for (ContentBlock block : message.content()) block.text().ifPresent(t -> text.append(t.text()));
    return text.toString();
  }

  @Test
  void message_fromTheSimulatedProvider_isParsedFieldByField() {
    Message message = client.messages().create(hello("switchboard-sim"));

    assertEquals(1, message.content().size());
    assertTrue(message.content().get(0).isText());
    assertTrue(text(message).startsWith("This is a simulated reply"), text(message));
    assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow(), "8 tokens, well under max_tokens");
    assertTrue(message.stopSequence().isEmpty());
    assertEquals(8, message.usage().outputTokens());
    assertTrue(message.usage().inputTokens() > 0);
    assertTrue(message.id().startsWith("chatcmpl-sim-"), message.id());
    assertEquals("switchboard-sim-1", message.model().asString());
  }

  @Test
  void message_fromAnAnthropicUpstream_isTheUpstreamsMessage() {
    Message message = client.messages().create(hello("claude"));

    assertEquals("msg_fake01", message.id());
    assertEquals(FakeAnthropic.TEXT, text(message));
    assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
    assertEquals(FakeAnthropic.INPUT_TOKENS, message.usage().inputTokens());
    assertEquals(FakeAnthropic.OUTPUT_TOKENS, message.usage().outputTokens());
    assertEquals(UPSTREAM_MODEL, anthropic.received().get(0).json().path("model").asText());
    assertEquals("Be brief.", anthropic.received().get(0).json().path("system").asText());
  }

  @Test
  void message_fromAnOpenAiUpstream_isTranslatedIntoAMessage() {
    Message message = client.messages().create(hello("gpt"));

    assertEquals(FakeOpenAi.CONTENT, text(message));
    assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
    assertEquals(19, message.usage().inputTokens());
    assertEquals(10, message.usage().outputTokens());
    assertEquals("gpt-4o", openAi.received().get(0).json().path("model").asText());
  }

  @Test
  void toolUse_fromAnAnthropicUpstream_comesBackAsTypedToolUseBlocks() {
    Message message = client.messages().create(MessageCreateParams.builder().model("claude").maxTokens(64)
        .addUserMessage("Weather in Paris and Tokyo?")
        .addTool(Tool.builder().name("get_weather").inputSchema(Tool.InputSchema.builder().build()).build())
        .build());

    assertEquals(StopReason.TOOL_USE, message.stopReason().orElseThrow());
    List<ToolUseBlock> calls = message.content().stream().flatMap(block -> block.toolUse().stream()).toList();
    assertEquals(2, calls.size(), message.content().toString());
    assertEquals("toolu_01", calls.get(0).id());
    assertEquals("get_weather", calls.get(0).name());
    assertEquals("Paris", calls.get(0)._input().convert(Map.class).get("location"));
  }

  /** OpenAI's documented answer calling one function (content null, arguments a JSON string). */
  private static final String OPENAI_TOOL_CALL = """
      {"id":"chatcmpl-tools1","object":"chat.completion","created":1741569952,"model":"gpt-4o",
       "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"annotations":[],
         "tool_calls":[{"id":"call_abc123","type":"function",
           "function":{"name":"get_weather","arguments":"{\\"location\\":\\"Paris\\"}"}}]},
         "logprobs":null,"finish_reason":"tool_calls"}],
       "usage":{"prompt_tokens":40,"completion_tokens":17,"total_tokens":57},
       "service_tier":"default","system_fingerprint":"fp_fake"}
      """;

  @Test
  void toolRoundTrip_throughAnOpenAiUpstream_isTranslatedBothWays() {
    // Until the conversation ends in a tool result, the upstream calls the tool; then it answers in text.
    openAi.answer(r -> {
      JsonNode messages = r.json().path("messages");
      return messages.get(messages.size() - 1).path("role").asText().equals("tool") ? openAi.documented(r)
          : FakeOpenAi.<FakeOpenAi.Received>rawOk(OPENAI_TOOL_CALL).apply(r);
    });
    MessageCreateParams ask = MessageCreateParams.builder().model("gpt").maxTokens(64)
        .addUserMessage("Weather in Paris?")
        .addTool(Tool.builder().name("get_weather").inputSchema(Tool.InputSchema.builder().build()).build())
        .build();

    Message calls = client.messages().create(ask);

    assertEquals(StopReason.TOOL_USE, calls.stopReason().orElseThrow());
    ToolUseBlock call = calls.content().stream().flatMap(block -> block.toolUse().stream()).findFirst().orElseThrow();
    assertEquals("call_abc123", call.id());
    assertEquals("Paris", call._input().convert(Map.class).get("location"));

    Message answer = client.messages().create(ask.toBuilder().addMessage(calls)
        .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(
            ToolResultBlockParam.builder().toolUseId(call.id()).content("18C").build())))
        .build());

    assertEquals(FakeOpenAi.CONTENT, text(answer));
    JsonNode sent = openAi.received().get(1).json().path("messages");
    assertEquals("call_abc123", sent.get(1).path("tool_calls").get(0).path("id").asText(), sent.toString());
    assertEquals("tool", sent.get(2).path("role").asText(), sent.toString());
    assertEquals("call_abc123", sent.get(2).path("tool_call_id").asText());
    assertEquals("18C", sent.get(2).path("content").asText(), sent.toString());
  }

  /** The stream's events by name, accumulated into {@code accumulator}. */
  private List<String> stream(MessageCreateParams params, MessageAccumulator accumulator) {
    List<String> names = new ArrayList<>();
    try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
      stream.stream().forEach(event -> {
        accumulator.accumulate(event);
        names.add(name(event));
      });
    }
    return names;
  }

  private static String name(RawMessageStreamEvent event) {
    if (event.isMessageStart()) return "message_start";
    if (event.isContentBlockStart()) return "content_block_start";
    if (event.isContentBlockDelta()) return "content_block_delta";
    if (event.isContentBlockStop()) return "content_block_stop";
    if (event.isMessageDelta()) return "message_delta";
    if (event.isMessageStop()) return "message_stop";
    throw new AssertionError("an event the SDK does not know: " + event);
  }

  private static void assertEventSequence(List<String> names) {
    assertEquals(List.of("message_start", "content_block_start"), names.subList(0, 2), names.toString());
    assertTrue(names.subList(2, names.size() - 3).stream().allMatch("content_block_delta"::equals), names.toString());
    assertEquals(List.of("content_block_stop", "message_delta", "message_stop"),
        names.subList(names.size() - 3, names.size()), names.toString());
  }

  @Test
  void stream_fromTheSimulatedProvider_parsesAsTheEventSequence_andAccumulatesTheText() {
    MessageAccumulator accumulator = MessageAccumulator.create();
    List<String> names = stream(hello("switchboard-sim"), accumulator);

    assertEventSequence(names);
    Message message = accumulator.message();
    assertTrue(text(message).startsWith("This is a simulated reply"), text(message));
    assertEquals(8, message.usage().outputTokens());
    assertTrue(message.stopReason().isPresent());
  }

  @Test
  void stream_fromAnAnthropicUpstream_isItsOwnEvents() {
    MessageAccumulator accumulator = MessageAccumulator.create();
    List<String> names = stream(hello("claude"), accumulator);

    assertEventSequence(names);
    assertEquals(2 + FakeAnthropic.TEXT_PIECES.size() + 3, names.size(),
        "the upstream's ping is not an event: " + names);
    Message message = accumulator.message();
    assertEquals(FakeAnthropic.TEXT, text(message));
    assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
    assertEquals(FakeAnthropic.INPUT_TOKENS, message.usage().inputTokens());
    assertEquals(FakeAnthropic.OUTPUT_TOKENS, message.usage().outputTokens());
  }

  @Test
  void stream_fromAnOpenAiUpstream_isTranslatedIntoTheEventSequence() {
    MessageAccumulator accumulator = MessageAccumulator.create();
    List<String> names = stream(hello("gpt"), accumulator);

    assertEventSequence(names);
    Message message = accumulator.message();
    assertEquals(FakeOpenAi.CONTENT, text(message));
    assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
    // message_start reports 0 input tokens for an OpenAI upstream (a known gap: its usage comes last); the
    // message_delta carries the upstream's counts, and the SDK's accumulator takes them from there.
    assertEquals(19, message.usage().inputTokens());
    assertEquals(3, message.usage().outputTokens());
    assertTrue(openAi.received().get(0).json().path("stream").asBoolean());
  }

  @Test
  void streamCutShort_isAnErrorTheSdkRaises_notAShortMessage() {
    List<String> documented = FakeAnthropic.textEvents(UPSTREAM_MODEL);
    anthropic.answer(FakeAnthropic.events(documented.subList(0, documented.size() - 2)));
    openAi.answer(openAi.cutBeforeFinish());

    SseException passedThrough =
        assertThrows(SseException.class, () -> stream(hello("claude"), MessageAccumulator.create()));
    SseException translated =
        assertThrows(SseException.class, () -> stream(hello("gpt"), MessageAccumulator.create()));

    assertEquals("upstream_reset", passedThrough.errorType().orElseThrow().toString());
    assertTrue(passedThrough.getMessage().contains("message_stop"), passedThrough.getMessage());
    assertEquals("upstream_reset", translated.errorType().orElseThrow().toString());
    assertTrue(translated.getMessage().contains("finish"), translated.getMessage());
  }

  @Test
  void malformedEventMidStream_isATypedErrorTheSdkRaises() {
    List<String> documented = FakeAnthropic.textEvents(UPSTREAM_MODEL);
    anthropic.answer(FakeAnthropic.faultBetween(documented.subList(0, 2),
        org.apache.pekko.util.ByteString.fromString("event: content_block_delta\ndata: <html>oops</html>\n\n"),
        documented.subList(2, documented.size())));

    SseException error = assertThrows(SseException.class, () -> stream(hello("claude"), MessageAccumulator.create()));

    assertEquals("malformed_upstream_event", error.errorType().orElseThrow().toString());
    assertFalse(error.getMessage().contains("oops"), error.getMessage());
  }

  @Test
  void streamEndingAfterItsStopReasonWithoutMessageStop_isAWholeMessageForTheSdk() {
    List<String> documented = FakeAnthropic.textEvents(UPSTREAM_MODEL);
    anthropic.answer(FakeAnthropic.events(documented.subList(0, documented.size() - 1)));

    MessageAccumulator accumulator = MessageAccumulator.create();
    List<String> names = stream(hello("claude"), accumulator);

    assertEquals("message_stop", names.get(names.size() - 1), "the gateway ends it as Anthropic does");
    Message message = accumulator.message();
    assertEquals(FakeAnthropic.TEXT, message.content().get(0).asText().text());
  }

  /** OpenAI's documented stream of one function call: its arguments arrive in pieces. */
  private static List<String> openAiToolCallStream() {
    String head = "data: {\"id\":\"chatcmpl-tools2\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,"
        + "\"model\":\"gpt-4o\",\"system_fingerprint\":\"fp_fake\",\"choices\":[{\"index\":0,\"delta\":";
    String tail = ",\"logprobs\":null,\"finish_reason\":null}]}\n\n";
    return List.of(
        head + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_abc123\","
            + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}" + tail,
        head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"location\\\":\"}}]}" + tail,
        head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}" + tail,
        head + "{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}]}\n\n",
        "data: [DONE]\n\n");
  }

  @Test
  void streamedToolCall_fromAnOpenAiUpstream_accumulatesToATypedToolUseBlock() {
    openAi.answer(FakeOpenAi.events(openAiToolCallStream().toArray(String[]::new)));
    MessageAccumulator accumulator = MessageAccumulator.create();

    List<String> names = stream(MessageCreateParams.builder().model("gpt").maxTokens(64)
        .addUserMessage("Weather in Paris?")
        .addTool(Tool.builder().name("get_weather").inputSchema(Tool.InputSchema.builder().build()).build())
        .build(), accumulator);

    assertEquals("message_start", names.get(0), names.toString());
    assertEquals("message_stop", names.get(names.size() - 1), names.toString());
    Message message = accumulator.message();
    assertEquals(StopReason.TOOL_USE, message.stopReason().orElseThrow());
    ToolUseBlock call = message.content().stream().flatMap(block -> block.toolUse().stream()).findFirst().orElseThrow();
    assertEquals("call_abc123", call.id());
    assertEquals("get_weather", call.name());
    assertEquals("Paris", call._input().convert(Map.class).get("location"));
  }

  private MessageCountTokensParams countHello(String model) {
    return MessageCountTokensParams.builder().model(model).system("You are a scientist")
        .addUserMessage("Hello, Claude").build();
  }

  @Test
  void countTokens_isTheGatewaysCount_asForTheSameRawRequest() {
    // The figures AnthropicMessagesTest proves for the same request sent as raw JSON: the documented estimate
    // for an Anthropic model, the model's tokenizer for an OpenAI one.
    assertEquals(21, client.messages().countTokens(countHello("claude")).inputTokens());
    assertEquals(18, client.messages().countTokens(countHello("gpt")).inputTokens());
    assertTrue(anthropic.received().isEmpty() && openAi.received().isEmpty(), "counting calls no upstream");
  }

  @Test
  void requestId_onAMessage_isTheAnthropicUpstreamsOwn_orTheGatewaysWhenItGaveNone() {
    HttpResponseFor<Message> upstream = client.messages().withRawResponse().create(hello("claude"));
    HttpResponseFor<Message> simulated = client.messages().withRawResponse().create(hello("switchboard-sim"));

    assertEquals("req_fake", upstream.requestId().orElseThrow());
    assertEquals("msg_fake01", upstream.parse().id());
    assertEquals(simulated.headers().values("x-request-id"), List.of(simulated.requestId().orElseThrow()));
  }

  @Test
  void models_listedAndRetrieved_areTheGatewaysModelsInAnthropicsShape() {
    List<ModelInfo> listed = new ArrayList<>();
    client.models().list(ModelListParams.builder().limit(1L).build()).autoPager().forEach(listed::add);
    ModelInfo claude = client.models().retrieve("claude");

    assertEquals(List.of("busy", "claude", "gpt", "switchboard-sim"),
        listed.stream().map(ModelInfo::id).sorted().toList(), "every model, one page at a time");
    assertEquals("claude", claude.displayName());
    assertEquals(ModelInfo.Lifecycle.ACTIVE, claude.lifecycle());
    assertTrue(claude.createdAt().toEpochSecond() > 0);
    assertThrows(NotFoundException.class, () -> client.models().retrieve("no-such-model"));
  }

  @Test
  void unknownModel_isTheSdksNotFoundException() {
    NotFoundException error = assertThrows(NotFoundException.class,
        () -> client.messages().create(hello("no-such-model")));

    assertEquals(404, error.statusCode());
    assertEquals(ErrorType.NOT_FOUND_ERROR, error.errorType().orElseThrow());
    assertTrue(error.getMessage().contains("no-such-model"), error.getMessage());

    NotFoundException counted = assertThrows(NotFoundException.class,
        () -> client.messages().countTokens(countHello("no-such-model")));
    assertEquals(ErrorType.NOT_FOUND_ERROR, counted.errorType().orElseThrow());
  }

  @Test
  void overloadedUpstream_is529_theSdksInternalServerExceptionOfTypeOverloaded() {
    anthropic.answer(FakeAnthropic.status(529, FakeAnthropic.envelope("overloaded_error", "Overloaded")));

    InternalServerException error = assertThrows(InternalServerException.class,
        () -> client.messages().create(hello("busy")));

    assertEquals(529, error.statusCode());
    assertEquals(ErrorType.OVERLOADED_ERROR, error.errorType().orElseThrow());
    assertEquals(1, anthropic.received().size(), "the client asked for no retry, and the gateway made none");
  }

  @Test
  void keysRequired_aValidKeyIsServed_aBadKeyIsTheSdksUnauthorizedException() {
    TestGateway withKeys = gateways.start("switchboard.auth.mode = keys");
    String secret = KeyRequests.createKey(withKeys, "{\"name\":\"sdk\"}").path("key").asText();

    AnthropicClient good = client(withKeys, secret);
    AnthropicClient bad = client(withKeys, "sk-not-a-key-of-this-gateway");
    try {
      assertTrue(text(good.messages().create(hello("switchboard-sim"))).startsWith("This is a simulated reply"));

      UnauthorizedException error = assertThrows(UnauthorizedException.class,
          () -> bad.messages().create(hello("switchboard-sim")));
      assertEquals(401, error.statusCode());
      assertEquals(ErrorType.AUTHENTICATION_ERROR, error.errorType().orElseThrow());
      assertTrue(error.getMessage().contains("not a key of this gateway"), error.getMessage());
    } finally {
      good.close();
      bad.close();
    }
  }
}
