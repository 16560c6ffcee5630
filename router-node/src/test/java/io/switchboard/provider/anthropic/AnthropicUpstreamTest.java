package io.switchboard.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.SseEvents;
import io.switchboard.TestGateway;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gateway in front of Anthropic: an OpenAI client's request reaches Anthropic as a Messages
 * request with Anthropic's headers, and every answer (message, event stream, error) comes back in the
 * OpenAI dialect.
 */
@Tag("integration")
class AnthropicUpstreamTest {
  private static final String KEY = "sk-ant-test-7c1d";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String UPSTREAM_MODEL = "claude-sonnet-4-5-20250929";

  @RegisterExtension static final FakeAnthropic anthropic = new FakeAnthropic(KEY);
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  /** The upstream client's setting: none here (Netty, the default); a subclass runs all on Pekko's host pool. */
  String client() {
    return "";
  }

  private TestGateway gateway(String overrides, Map<String, String> env) {
    gateway = gateways.start("""
        # Each failure on its own, as the adapter maps it: retries and the breaker are tested elsewhere.
        switchboard.provider-defaults { retries.max-attempts = 1, breaker { consecutive-failures = 1000, minimum-calls = 1000 } }
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.providers.claude {
          kind = anthropic
          max-in-flight = 4
          timeouts { connect = 2s, first-byte = 2s, total = 5s, stream-idle = 1s }
          anthropic { base-url = "%s", api-key-env = "FAKE_ANTHROPIC_KEY" }
        }
        switchboard.models {
          claude-sonnet { provider = claude, upstream-model = "%s", max-output-tokens = 2048 }
          claude-haiku { provider = claude, upstream-model = "claude-haiku-4-5", max-output-tokens = 1024 }
        }
        %s
        %s
        """.formatted(anthropic.baseUrl(), UPSTREAM_MODEL, client(), overrides), env);
    return gateway;
  }

  private TestGateway gateway() {
    return gateway("", Map.of("FAKE_ANTHROPIC_KEY", KEY));
  }

  private static String chat(String extra) {
    return "{\"model\":\"claude-sonnet\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"system\",\"content\":\"Be kind.\"},{\"role\":\"user\",\"content\":\"Say hello\"}]" + extra + "}";
  }

  private static final String TOOLS = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
      + "\"parameters\":{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"}}}}}]";

  private static JsonNode json(String body) throws Exception {
    return JSON.readTree(body);
  }

  private static void assertError(HttpResponse<String> response, int status, String type) throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    JsonNode error = json(response.body()).path("error");
    assertEquals(type, error.path("type").asText(), response.body());
    assertTrue(error.has("param") && error.has("code"), "OpenAI envelope has all four fields: " + response.body());
    assertFalse(error.path("message").asText().isBlank());
  }

  private void assertSlotsFree() {
    TestProbe<Object> probe = gateways.testKit().createTestProbe();
    probe.awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(0, gateway.status("claude").inFlight(), "every slot handed back");
      return null;
    });
  }

  private List<String> stream(String body) throws Exception {
    HttpResponse<InputStream> response = gateway.postStreaming("/v1/chat/completions", body);
    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
    return new SseEvents(response.body()).all();
  }

  @Test
  void plainCompletion_isSentAsAMessagesRequestAndAnsweredAsAChatCompletion() throws Exception {
    gateway();

    HttpResponse<String> response = gateway.post("/v1/chat/completions",
        chat(",\"temperature\":0.3,\"stop\":\"END\",\"seed\":5"));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("claude/" + UPSTREAM_MODEL, response.headers().firstValue("x-switchboard-deployment").orElseThrow());
    JsonNode body = json(response.body());
    assertEquals("chat.completion", body.path("object").asText());
    assertEquals("msg_fake01", body.path("id").asText());
    assertEquals(UPSTREAM_MODEL, body.path("model").asText());
    JsonNode choice = body.path("choices").get(0);
    assertEquals("assistant", choice.path("message").path("role").asText());
    assertEquals(FakeAnthropic.TEXT, choice.path("message").path("content").asText());
    assertEquals("stop", choice.path("finish_reason").asText());
    assertEquals(FakeAnthropic.INPUT_TOKENS, body.path("usage").path("prompt_tokens").asInt());
    assertEquals(FakeAnthropic.OUTPUT_TOKENS, body.path("usage").path("completion_tokens").asInt());
    assertEquals(FakeAnthropic.INPUT_TOKENS + FakeAnthropic.OUTPUT_TOKENS, body.path("usage").path("total_tokens").asInt());

    FakeAnthropic.Received received = anthropic.received().get(0);
    assertEquals("/v1/messages", received.path());
    assertEquals(KEY, received.apiKey().orElseThrow());
    assertEquals("2023-06-01", received.version().orElseThrow());
    JsonNode sent = received.json();
    assertEquals(UPSTREAM_MODEL, sent.path("model").asText());
    assertEquals(2048, sent.path("max_tokens").asInt(), "the deployment's max-output-tokens, since the client set none");
    assertEquals("Be brief.", sent.path("system").get(0).path("text").asText());
    assertEquals("Be kind.", sent.path("system").get(1).path("text").asText());
    assertEquals(1, sent.path("messages").size());
    assertEquals("END", sent.path("stop_sequences").get(0).asText());
    assertEquals(0.3, sent.path("temperature").asDouble());
    assertFalse(sent.has("seed"), "Anthropic has no seed");
    assertSlotsFree();
  }

  @Test
  void maxTokens_isTheClientsLimit_elseTheServingDeploymentsMaxOutputTokens() throws Exception {
    gateway();

    for (String request : List.of(
        "{\"model\":\"claude-haiku\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
        "{\"model\":\"claude-sonnet\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
        "{\"model\":\"claude-haiku\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
        "{\"model\":\"claude-haiku\",\"max_completion_tokens\":50,\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")) {
      HttpResponse<String> response = gateway.post("/v1/chat/completions", request);
      assertEquals(200, response.statusCode(), response.body());
    }

    List<Integer> sent = anthropic.received().stream().map(r -> r.json().path("max_tokens").asInt()).toList();
    assertEquals(List.of(1024, 2048, 100, 50), sent,
        "each model's own max-output-tokens on one provider; the client's own limit when it set one");
    assertSlotsFree();
  }

  @Test
  void streaming_becomesOpenAiChunksWithUsageAndDone() throws Exception {
    gateway();

    List<String> events = stream(chat(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));

    assertEquals("[DONE]", events.get(events.size() - 1));
    JsonNode first = json(events.get(0));
    assertEquals("chat.completion.chunk", first.path("object").asText());
    assertEquals("assistant", first.path("choices").get(0).path("delta").path("role").asText());
    StringBuilder text = new StringBuilder();
    for (String event : events.subList(0, events.size() - 2)) {
      text.append(json(event).path("choices").get(0).path("delta").path("content").asText(""));
    }
    assertEquals(FakeAnthropic.TEXT, text.toString());
    JsonNode finish = json(events.get(events.size() - 3));
    assertEquals("stop", finish.path("choices").get(0).path("finish_reason").asText());
    JsonNode usage = json(events.get(events.size() - 2));
    assertEquals(0, usage.path("choices").size());
    assertEquals(FakeAnthropic.INPUT_TOKENS + FakeAnthropic.OUTPUT_TOKENS, usage.path("usage").path("total_tokens").asInt());
    assertTrue(anthropic.received().get(0).json().path("stream").asBoolean());
    assertSlotsFree();
  }

  @Test
  void toolCalls_comeBackAsParallelOpenAiToolCalls() throws Exception {
    gateway();

    HttpResponse<String> response = gateway.post("/v1/chat/completions",
        chat(TOOLS + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}"));

    assertEquals(200, response.statusCode(), response.body());
    JsonNode choice = json(response.body()).path("choices").get(0);
    assertEquals("tool_calls", choice.path("finish_reason").asText());
    JsonNode calls = choice.path("message").path("tool_calls");
    assertEquals(2, calls.size());
    assertEquals("toolu_01", calls.get(0).path("id").asText());
    assertEquals("get_weather", calls.get(0).path("function").path("name").asText());
    assertEquals("Tokyo", json(calls.get(1).path("function").path("arguments").asText()).path("location").asText());
    JsonNode sent = anthropic.received().get(0).json();
    assertEquals("tool", sent.path("tool_choice").path("type").asText());
    assertEquals("get_weather", sent.path("tools").get(0).path("name").asText());
    assertTrue(sent.path("tools").get(0).has("input_schema"));
  }

  @Test
  void toolCallsWhileStreaming_arriveAsIndexedArgumentDeltas() throws Exception {
    gateway();

    List<String> events = stream(chat(TOOLS + ",\"stream\":true"));

    assertEquals("[DONE]", events.get(events.size() - 1));
    StringBuilder[] arguments = {new StringBuilder(), new StringBuilder()};
    String[] ids = new String[2];
    for (String event : events.subList(0, events.size() - 1)) {
      for (JsonNode call : json(event).path("choices").get(0).path("delta").path("tool_calls")) {
        int index = call.path("index").asInt();
        if (call.has("id")) ids[index] = call.path("id").asText();
        arguments[index].append(call.path("function").path("arguments").asText(""));
      }
    }
    assertEquals("toolu_01", ids[0]);
    assertEquals("toolu_02", ids[1]);
    assertEquals("Paris", json(arguments[0].toString()).path("location").asText());
    assertEquals("Tokyo", json(arguments[1].toString()).path("location").asText());
    assertEquals("tool_calls", json(events.get(events.size() - 2)).path("choices").get(0).path("finish_reason").asText());
  }

  @Test
  void upstreamErrors_mapToTheOpenAiEnvelopeAndStatus() throws Exception {
    gateway();
    anthropic.answer(FakeAnthropic.status(400, FakeAnthropic.envelope("invalid_request_error",
        "messages: text content blocks must be non-empty")));
    HttpResponse<String> invalid = gateway.post("/v1/chat/completions", chat(""));
    assertError(invalid, 400, "invalid_request_error");
    assertTrue(invalid.body().contains("text content blocks must be non-empty"), invalid.body());

    anthropic.answer(FakeAnthropic.status(404, FakeAnthropic.envelope("not_found_error", "model: claude-nope")));
    HttpResponse<String> notFound = gateway.post("/v1/chat/completions", chat(""));
    assertError(notFound, 404, "invalid_request_error");
    assertEquals("model_not_found", json(notFound.body()).path("error").path("code").asText());

    anthropic.answer(FakeAnthropic.status(413, FakeAnthropic.envelope("request_too_large", "Request exceeds the maximum allowed number of bytes.")));
    assertError(gateway.post("/v1/chat/completions", chat("")), 413, "invalid_request_error");

    anthropic.answer(FakeAnthropic.status(403, FakeAnthropic.envelope("permission_error", "Your API key does not have permission")));
    assertError(gateway.post("/v1/chat/completions", chat("")), 502, "upstream_auth_error");

    anthropic.answer(FakeAnthropic.status(500, FakeAnthropic.envelope("api_error", "Internal server error")));
    HttpResponse<String> failed = gateway.post("/v1/chat/completions", chat(""));
    assertError(failed, 502, "upstream_error");
    assertEquals("upstream_http_500", json(failed.body()).path("error").path("code").asText());

    // Last: the 429 pauses the provider for 12 s, longer than a request's deadline (timeouts.total) here.
    anthropic.answer(FakeAnthropic.status(429, FakeAnthropic.envelope("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
        RawHeader.create("retry-after", "12")));
    HttpResponse<String> limited = gateway.post("/v1/chat/completions", chat(""));
    assertError(limited, 429, "rate_limit_error");
    assertEquals("12", limited.headers().firstValue("retry-after").orElseThrow());

    assertSlotsFree();
  }

  @Test
  void overloaded529_is503OverloadedWithItsRetryAfter() throws Exception {
    gateway();
    anthropic.answer(FakeAnthropic.status(529, FakeAnthropic.envelope("overloaded_error", "Overloaded")));
    HttpResponse<String> withoutRetryAfter = gateway.post("/v1/chat/completions", chat(""));
    assertError(withoutRetryAfter, 503, "overloaded_error");
    assertEquals("provider_overloaded", json(withoutRetryAfter.body()).path("error").path("code").asText());
    assertTrue(withoutRetryAfter.headers().firstValue("retry-after").isEmpty());

    // Last: a Retry-After also pauses the provider for that long.
    anthropic.answer(FakeAnthropic.status(529, FakeAnthropic.envelope("overloaded_error", "Overloaded"),
        RawHeader.create("retry-after", "7")));
    HttpResponse<String> overloaded = gateway.post("/v1/chat/completions", chat(""));

    assertError(overloaded, 503, "overloaded_error");
    assertTrue(json(overloaded.body()).path("error").path("message").asText().contains("retry"), overloaded.body());
    assertEquals("7", overloaded.headers().firstValue("retry-after").orElseThrow());
    assertSlotsFree();
  }

  @Test
  void clientHangingUpMidStream_cancelsTheUpstreamStreamAndFreesTheSlot() throws Exception {
    gateway();
    anthropic.answer(anthropic.endlessStream(Duration.ofMillis(20)));

    SseEvents events = new SseEvents(gateway.postStreaming("/v1/chat/completions", chat(",\"stream\":true")).body());
    for (int i = 0; i < 3; i++) assertTrue(events.next().contains("chat.completion.chunk"));
    assertEquals(1, gateway.status("claude").inFlight());

    events.close();

    anthropic.streamEnded().get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertSlotsFree();
  }

  @Test
  void anthropicClientHangingUpMidStream_cancelsTheUpstreamStreamAndFreesTheSlot() throws Exception {
    gateway();
    anthropic.answer(anthropic.endlessStream(Duration.ofMillis(20)));

    SseEvents events = new SseEvents(gateway.postStreaming("/v1/messages", "{\"model\":\"claude-sonnet\","
        + "\"max_tokens\":64,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}").body());
    assertTrue(events.next().contains("message_start"));
    for (int i = 0; i < 3; i++) assertTrue(events.next().contains("\"type\""));
    assertEquals(1, gateway.status("claude").inFlight());

    events.close();

    anthropic.streamEnded().get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertSlotsFree();
  }

  @Test
  void overloaded529_isRetried_andTheRetryIsServed() throws Exception {
    gateway("switchboard.providers.claude.retries { max-attempts = 2, base-delay = 10ms, max-delay = 10ms }",
        Map.of("FAKE_ANTHROPIC_KEY", KEY));
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    anthropic.answer(r -> calls.getAndIncrement() == 0
        ? FakeAnthropic.status(529, FakeAnthropic.envelope("overloaded_error", "Overloaded")).apply(r)
        : anthropic.documented(r));

    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(""));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals(2, anthropic.received().size());
    assertSlotsFree();
  }

  @Test
  void wrongOrMissingKey_isTheGatewaysProblem_andTheKeyIsNeverEchoed() throws Exception {
    gateway("", Map.of("FAKE_ANTHROPIC_KEY", "sk-ant-wrong-key"));

    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(""));

    assertError(response, 502, "upstream_auth_error");
    assertTrue(response.body().contains("invalid x-api-key"), response.body());
    assertFalse(response.body().contains("sk-ant-wrong-key"));
  }

  @Test
  void errorEventMidStream_endsTheStreamWithThatError() throws Exception {
    gateway();
    List<String> start = FakeAnthropic.textEvents(UPSTREAM_MODEL).subList(0, 4);
    anthropic.answer(FakeAnthropic.events(new java.util.ArrayList<>(List.of(start.get(0), start.get(1), start.get(3),
        FakeAnthropic.event("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")))));

    List<String> events = stream(chat(",\"stream\":true"));

    JsonNode last = json(events.get(events.size() - 1));
    assertEquals("overloaded_error", last.path("error").path("type").asText(), events.toString());
    assertEquals("provider_overloaded", last.path("error").path("code").asText());
    assertFalse(events.contains("[DONE]"));
    assertSlotsFree();
  }

  @Test
  void streamCutBeforeItsStopReason_endsWithAResetError() throws Exception {
    gateway();
    List<String> all = FakeAnthropic.textEvents(UPSTREAM_MODEL);
    anthropic.answer(FakeAnthropic.events(all.subList(0, all.size() - 2)));

    List<String> events = stream(chat(",\"stream\":true"));

    JsonNode last = json(events.get(events.size() - 1));
    assertEquals("upstream_reset", last.path("error").path("type").asText());
    assertTrue(last.path("error").path("message").asText().contains("message_stop"));
    assertFalse(events.contains("[DONE]"));
  }

  @Test
  void streamThatGoesSilent_endsWithAStallErrorEvent() throws Exception {
    gateway();
    anthropic.answer(FakeAnthropic.stallAfter(FakeAnthropic.textEvents(UPSTREAM_MODEL).subList(0, 2)));

    List<String> events = stream(chat(",\"stream\":true"));

    JsonNode last = json(events.get(events.size() - 1));
    assertEquals("upstream_stall_timeout", last.path("error").path("type").asText());
    assertTrue(last.path("error").path("message").asText().contains("stream-idle"));
    assertSlotsFree();
  }

  @Test
  void garbageInAStream_isAMalformedEventError() throws Exception {
    gateway();
    anthropic.answer(FakeAnthropic.events(List.of(FakeAnthropic.messageStart(UPSTREAM_MODEL, "msg_x"),
        "event: content_block_delta\ndata: {not json\n\n")));

    List<String> events = stream(chat(",\"stream\":true"));

    assertEquals("malformed_upstream_event", json(events.get(events.size() - 1)).path("error").path("type").asText());
  }

  @Test
  void malformedOrEmpty200_becomes502NeverA200() throws Exception {
    gateway();
    anthropic.answer(FakeAnthropic.rawOk("<html>proxy error</html>"));
    assertError(gateway.post("/v1/chat/completions", chat("")), 502, "upstream_malformed_response");

    anthropic.answer(FakeAnthropic.rawOk("{\"id\":\"msg_1\",\"type\":\"message\",\"content\":[{\"type\":"));
    assertError(gateway.post("/v1/chat/completions", chat("")), 502, "upstream_malformed_response");

    anthropic.answer(FakeAnthropic.rawOk("{\"type\":\"completion\",\"completion\":\"hi\"}"));
    assertError(gateway.post("/v1/chat/completions", chat("")), 502, "upstream_malformed_response");

    anthropic.answer(FakeAnthropic.rawOk(""));
    assertError(gateway.post("/v1/chat/completions", chat("")), 502, "upstream_empty_response");
    assertSlotsFree();
  }

  @Test
  void requestAnthropicCannotExpress_is400NamingTheParameter_andNothingIsSent() throws Exception {
    gateway();

    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(",\"n\":3"));

    assertError(response, 400, "invalid_request_error");
    assertEquals("n", json(response.body()).path("error").path("param").asText());
    assertTrue(anthropic.received().isEmpty());
    assertSlotsFree();
  }

  @Test
  void jsonSchema_isAnsweredAsPlainJsonContent() throws Exception {
    gateway();
    anthropic.answer(FakeAnthropic.rawOk("""
        {"id":"msg_3","type":"message","role":"assistant","model":"m","stop_reason":"tool_use","stop_sequence":null,
         "content":[{"type":"tool_use","id":"toolu_9","name":"answer","input":{"greeting":"hello"}}],
         "usage":{"input_tokens":5,"output_tokens":6}}
        """));

    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(",\"response_format\":{\"type\":"
        + "\"json_schema\",\"json_schema\":{\"name\":\"answer\",\"schema\":{\"type\":\"object\"}}}"));

    JsonNode choice = json(response.body()).path("choices").get(0);
    assertEquals("stop", choice.path("finish_reason").asText());
    assertEquals("hello", json(choice.path("message").path("content").asText()).path("greeting").asText());
    assertEquals("answer", anthropic.received().get(0).json().path("tool_choice").path("name").asText());
  }
}
