package io.switchboard.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.WebSearchTool;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.anthropic.FakeAnthropic;
import io.switchboard.provider.openai.FakeOpenAi;
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
 * OpenAI's own Java SDK, unmodified, calling {@code client.responses()} on the gateway: plain and
 * streamed responses, a function tool round trip continued with {@code previous_response_id}, the same
 * against a model passed through to an upstream's own Responses API ({@code responses-api = native}), and the
 * typed errors of a refused field and an unknown response. The client validates every response and
 * event against the SDK's schema ({@code responseValidation(true)}, see {@link OpenAiSdkTest}).
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiSdkResponsesTest {
  private static final String ANTHROPIC_KEY = "sk-ant-sdk-responses";

  @RegisterExtension static final FakeOpenAi openAi = new FakeOpenAi();
  @RegisterExtension static final FakeAnthropic anthropic = new FakeAnthropic(ANTHROPIC_KEY);
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private OpenAIClient client;

  @BeforeAll
  void start() {
    TestGateway gateway = gateways.start("""
        switchboard.provider-defaults { retries.max-attempts = 1, breaker { consecutive-failures = 1000, minimum-calls = 1000 } }
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 8 }
        switchboard.providers.oai { kind = openai, openai { base-url = "%1$s" } }
        switchboard.providers.oai-native { kind = openai, openai { base-url = "%1$s", responses-api = native } }
        switchboard.providers.claude { kind = anthropic, anthropic { base-url = "%2$s", api-key-env = "K" } }
        switchboard.models {
          gpt { provider = oai, upstream-model = "gpt-4o" }
          gpt-native { provider = oai-native, upstream-model = "gpt-4.1" }
          claude { provider = claude, upstream-model = "claude-sonnet-4-5-20250929" }
        }
        """.formatted(openAi.baseUrl(), anthropic.baseUrl()), Map.of("K", ANTHROPIC_KEY));
    client = OpenAiSdkTest.client(gateway, "any-key-an-open-gateway-ignores");
  }

  @AfterAll
  void stop() {
    client.close();
  }

  private static String text(Response response) {
    return response.output().get(0).message().orElseThrow().content().get(0).outputText().orElseThrow().text();
  }

  @Test
  void create_returnsATypedResponse_fieldByField() {
    Response response = client.responses().create(ResponseCreateParams.builder()
        .model("gpt").instructions("Be brief.").input("Hello").maxOutputTokens(64L).build());

    assertTrue(response.id().startsWith("resp_"), response.id());
    assertEquals(ResponseStatus.COMPLETED, response.status().orElseThrow());
    assertEquals(FakeOpenAi.CONTENT, text(response));
    assertEquals("Be brief.", response.instructions().orElseThrow().asString());
    assertEquals(19, response.usage().orElseThrow().inputTokens());
    assertEquals(10, response.usage().orElseThrow().outputTokens());
    assertEquals(29, response.usage().orElseThrow().totalTokens());

    Response again = client.responses().retrieve(response.id());
    assertEquals(response.id(), again.id());
    assertEquals(FakeOpenAi.CONTENT, text(again));
  }

  @Test
  void createStreaming_eventsAccumulateToTheCompletedResponse() {
    ResponseAccumulator accumulator = ResponseAccumulator.create();
    StringBuilder deltas = new StringBuilder();
    try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ResponseCreateParams.builder()
        .model("switchboard-sim").input("Hello").build())) {
      stream.stream().map(accumulator::accumulate)
          .forEach(event -> event.outputTextDelta().ifPresent(delta -> deltas.append(delta.delta())));
    }

    Response response = accumulator.response();
    assertEquals(ResponseStatus.COMPLETED, response.status().orElseThrow());
    assertTrue(text(response).startsWith("This is a simulated reply"), text(response));
    assertEquals(text(response), deltas.toString());
    assertEquals(8, response.usage().orElseThrow().outputTokens());
  }

  @Test
  void functionTools_roundTrip_withPreviousResponseId() {
    FunctionTool weather = FunctionTool.builder().name("get_weather").description("Weather of a city").strict(false)
        .parameters(FunctionTool.Parameters.builder()
            .putAdditionalProperty("type", JsonValue.from("object"))
            .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
            .build())
        .build();
    Response calls = client.responses().create(ResponseCreateParams.builder()
        .model("claude").input("Weather in Paris and Tokyo?").addTool(weather).build());

    List<ResponseFunctionToolCall> functionCalls = calls.output().stream()
        .flatMap(item -> item.functionCall().stream()).toList();
    assertEquals(List.of("toolu_01", "toolu_02"), functionCalls.stream().map(ResponseFunctionToolCall::callId).toList());
    assertEquals("get_weather", functionCalls.get(0).name());
    List<ResponseInputItem> results = new ArrayList<>();
    for (ResponseFunctionToolCall call : functionCalls) {
      results.add(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
          .callId(call.callId()).output("18C").build()));
    }

    Response answer = client.responses().create(ResponseCreateParams.builder()
        .model("claude").previousResponseId(calls.id()).inputOfResponse(results).addTool(weather).build());

    assertEquals(FakeAnthropic.TEXT, text(answer));
    assertEquals(calls.id(), answer.previousResponseId().orElseThrow());
    JsonNode messages = anthropic.received().get(1).json().path("messages");
    assertEquals(3, messages.size(), messages.toString());
    assertEquals("Weather in Paris and Tokyo?", messages.get(0).path("content").asText(messages.toString()));
    JsonNode assistant = messages.get(1).path("content");
    assertEquals("Checking both.", assistant.get(0).path("text").asText(), "the text before the calls: " + messages);
    assertEquals("toolu_01", assistant.get(1).path("id").asText(), messages.toString());
    assertEquals("toolu_02", assistant.get(2).path("id").asText(), messages.toString());
    JsonNode toolResults = messages.get(2).path("content");
    assertEquals("tool_result", toolResults.get(0).path("type").asText(), messages.toString());
    assertEquals("toolu_01", toolResults.get(0).path("tool_use_id").asText(), messages.toString());
    assertEquals("toolu_02", toolResults.get(1).path("tool_use_id").asText(), messages.toString());
  }

  @Test
  void nativeUpstream_createStreamAndContinue_withTheSdk() {
    Response response = client.responses().create(ResponseCreateParams.builder()
        .model("gpt-native").input("Hello").build());
    assertEquals(ResponseStatus.COMPLETED, response.status().orElseThrow());
    assertEquals(FakeOpenAi.CONTENT, text(response));
    assertEquals(FakeOpenAi.RESPONSE_INPUT_TOKENS, response.usage().orElseThrow().inputTokens());
    assertEquals("/v1/responses", openAi.received().get(0).path());

    ResponseAccumulator accumulator = ResponseAccumulator.create();
    StringBuilder deltas = new StringBuilder();
    try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ResponseCreateParams.builder()
        .model("gpt-native").input("And then?").previousResponseId(response.id()).build())) {
      stream.stream().map(accumulator::accumulate)
          .forEach(event -> event.outputTextDelta().ifPresent(delta -> deltas.append(delta.delta())));
    }
    Response continued = accumulator.response();
    assertEquals(ResponseStatus.COMPLETED, continued.status().orElseThrow());
    assertEquals(FakeOpenAi.CONTENT, deltas.toString());
    assertEquals(response.id(), continued.previousResponseId().orElseThrow());
    assertEquals(3, openAi.received().get(1).json().path("input").size(), "the chain, resolved by the gateway");

    Response stored = client.responses().retrieve(continued.id());
    assertEquals(FakeOpenAi.CONTENT, text(stored));
    assertEquals(FakeOpenAi.RESPONSE_OUTPUT_TOKENS, stored.usage().orElseThrow().outputTokens());
  }

  @Test
  void refusedToolAndUnknownResponse_areTheSdksTypedErrors() {
    BadRequestException refused = assertThrows(BadRequestException.class, () -> client.responses().create(
        ResponseCreateParams.builder().model("gpt").input("News?")
            .addTool(WebSearchTool.builder().type(WebSearchTool.Type.WEB_SEARCH).build()).build()));
    assertEquals("tools[0].type", refused.param().orElseThrow());

    NotFoundException missing = assertThrows(NotFoundException.class, () -> client.responses().create(
        ResponseCreateParams.builder().model("gpt").input("Hi").previousResponseId("resp_unknown").build()));
    assertEquals("previous_response_id", missing.param().orElseThrow());
    assertThrows(NotFoundException.class, () -> client.responses().retrieve("resp_unknown"));
  }
}
