package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.tokens.TokenEstimator;
import io.switchboard.provider.Golden;
import io.switchboard.provider.anthropic.FakeAnthropic;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Anthropic-compatible ingress: an Anthropic SDK client's requests, served by any provider kind,
 * answered in Anthropic's shapes (message, event stream, error envelope).
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnthropicMessagesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "sk-ant-ingress";

  @RegisterExtension static final FakeAnthropic anthropic = new FakeAnthropic(KEY);
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  @BeforeAll
  void start() {
    gateway = gateways.start("""
        switchboard.http.anthropic-ping-interval = 300ms
        # Each failure on its own, as the adapter maps it: retries and the breaker are tested elsewhere.
        switchboard.provider-defaults { retries.max-attempts = 1, breaker { consecutive-failures = 1000, minimum-calls = 1000 } }
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 8 }
        switchboard.providers.broken { kind = simulated, simulated { latency = 0s, error-rate = 1.0 } }
        switchboard.providers.claude { kind = anthropic, anthropic { base-url = "%1$s", api-key-env = "K" } }
        # Four tokens at two a second: silences of half a second between them.
        switchboard.providers.slow { kind = simulated, simulated { latency = 0s, tokens-per-second = 2, default-completion-tokens = 4 } }
        # Same upstream, its own provider: a test's overload pauses only this one.
        switchboard.providers.busy { kind = anthropic, anthropic { base-url = "%1$s", api-key-env = "K" } }
        switchboard.models {
          broken { provider = broken }
          claude { provider = claude, upstream-model = "claude-sonnet-4-5-20250929" }
          busy { provider = busy, upstream-model = "claude-sonnet-4-5-20250929" }
          gpt { provider = simulated, upstream-model = "gpt-4o" }
          slow { provider = slow }
          claude-or-sim { deployments = [ { provider = claude, upstream-model = "claude-sonnet-4-5-20250929" },
                                          { provider = simulated, upstream-model = "switchboard-sim-1" } ] }
          # The alias is the upstream's own name: the client's bytes go upstream unchanged.
          claude-sonnet-4-5-20250929 { provider = claude }
        }
        """.formatted(anthropic.baseUrl()), Map.of("K", KEY));
  }

  private static String messages(String model, String extra) {
    return "{\"model\":\"" + model + "\",\"max_tokens\":64,\"system\":\"Be brief.\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello, Claude\"}]" + extra + "}";
  }

  private static void assertAnthropicError(HttpResponse<String> response, int status, String type) throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    JsonNode body = JSON.readTree(response.body());
    assertEquals("error", body.path("type").asText(), response.body());
    assertEquals(type, body.path("error").path("type").asText(), response.body());
    assertFalse(body.path("error").path("message").asText().isBlank());
  }

  @Test
  void plainMessage_fromAnOpenAiDialectProvider_isAnAnthropicMessage() throws Exception {
    HttpResponse<String> response = gateway.post("/v1/messages", messages("switchboard-sim", ""));

    assertEquals(200, response.statusCode(), response.body());
    JsonNode body = JSON.readTree(response.body());
    assertEquals("message", body.path("type").asText());
    assertEquals("assistant", body.path("role").asText());
    assertEquals("text", body.path("content").get(0).path("type").asText());
    assertFalse(body.path("content").get(0).path("text").asText().isBlank());
    assertTrue(body.has("stop_sequence"), "stop_sequence is written even when null");
    assertTrue(List.of("end_turn", "max_tokens").contains(body.path("stop_reason").asText()), response.body());
    assertEquals(8, body.path("usage").path("output_tokens").asInt());
    assertTrue(body.path("usage").path("input_tokens").asInt() > 0);
    assertTrue(response.headers().firstValue("x-switchboard-deployment").isPresent());
  }

  @Test
  void streamingMessage_isAnthropicsEventSequence() throws Exception {
    HttpResponse<InputStream> response = gateway.postStreaming("/v1/messages", messages("switchboard-sim",
        ",\"stream\":true"));

    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
    List<Golden.Event> events = Golden.parseEvents(new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
    List<String> names = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    assertEquals("message_start", events.get(0).name());
    assertEquals("ping", events.get(1).name(), "a ping follows message_start, as Anthropic sends it");
    assertEquals("{\"type\": \"ping\"}", events.get(1).data());
    for (Golden.Event event : events) {
      if (event.name().equals("ping")) continue; // a slow machine may see a periodic one too
      names.add(event.name());
      JsonNode data = JSON.readTree(event.data());
      assertEquals(event.name(), data.path("type").asText(), "event name equals its type");
      if (event.name().equals("content_block_delta")) text.append(data.path("delta").path("text").asText());
    }
    assertEquals("message_start", names.get(0));
    assertEquals("content_block_start", names.get(1));
    assertEquals("content_block_stop", names.get(names.size() - 3));
    assertEquals("message_delta", names.get(names.size() - 2));
    assertEquals("message_stop", names.get(names.size() - 1));
    assertFalse(text.toString().isBlank());
    JsonNode delta = JSON.readTree(events.stream().filter(e -> e.name().equals("message_delta")).findFirst()
        .orElseThrow().data());
    assertEquals(8, delta.path("usage").path("output_tokens").asInt(), "usage reaches the last events");
  }

  @Test
  void slowUpstream_getsPingsEveryInterval_whileItIsSilent() throws Exception {
    HttpResponse<InputStream> response = gateway.postStreaming("/v1/messages", messages("slow", ",\"stream\":true"));

    assertEquals(200, response.statusCode());
    List<Golden.Event> events = Golden.parseEvents(new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
    List<String> names = events.stream().map(Golden.Event::name).toList();
    assertEquals(List.of("message_start", "ping"), names.subList(0, 2), names.toString());
    assertTrue(names.subList(2, names.size()).stream().filter("ping"::equals).count() >= 2,
        "pings while the upstream is silent between tokens: " + names);
    assertEquals("message_stop", names.get(names.size() - 1), names.toString());
    assertSlotFree("slow");
  }

  private void assertSlotFree(String provider) {
    gateways.testKit().createTestProbe().awaitAssert(java.time.Duration.ofSeconds(5), () -> {
      assertEquals(0, gateway.status(provider).inFlight(), "the permit is released");
      return null;
    });
  }

  @Test
  void toolUse_throughAnAnthropicUpstream_comesBackAsToolUseBlocks() throws Exception {
    HttpResponse<String> response = gateway.post("/v1/messages", messages("claude", ",\"tools\":[{\"name\":"
        + "\"get_weather\",\"input_schema\":{\"type\":\"object\"}}],\"tool_choice\":{\"type\":\"any\"}"));

    assertEquals(200, response.statusCode(), response.body());
    JsonNode body = JSON.readTree(response.body());
    assertEquals("tool_use", body.path("stop_reason").asText());
    JsonNode call = body.path("content").get(1);
    assertEquals("tool_use", call.path("type").asText());
    assertEquals("toolu_01", call.path("id").asText());
    assertEquals("Paris", call.path("input").path("location").asText());
    JsonNode sent = anthropic.received().get(anthropic.received().size() - 1).json();
    assertEquals("any", sent.path("tool_choice").path("type").asText());
    assertEquals(64, sent.path("max_tokens").asInt());
    assertEquals("Be brief.", sent.path("system").asText(), "the client's own system string, untranslated");
    assertEquals("claude-sonnet-4-5-20250929", sent.path("model").asText(), "the alias rewritten to the upstream's name");
  }

  @Test
  void clientMistakes_areAnthropicErrorEnvelopes() throws Exception {
    assertAnthropicError(gateway.post("/v1/messages", "{\"model\":\"switchboard-sim\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"}]}"), 400, "invalid_request_error");
    assertAnthropicError(gateway.post("/v1/messages", "{not json"), 400, "invalid_request_error");
    assertAnthropicError(gateway.post("/v1/messages", "{\"max_tokens\":5,\"messages\":[]}"), 400,
        "invalid_request_error");
    assertAnthropicError(gateway.post("/v1/messages", messages("no-such-model", "")), 404, "not_found_error");
    assertAnthropicError(gateway.post("/v1/messages", "{\"model\":\"switchboard-sim\",\"max_tokens\":5,\"messages\":"
        + "[{\"role\":\"system\",\"content\":\"hi\"}]}"), 400, "invalid_request_error");
  }

  @Test
  void upstreamFailure_isAnAnthropicErrorWithTheGatewaysStatus() throws Exception {
    HttpResponse<String> plain = gateway.post("/v1/messages", messages("broken", ""));
    assertAnthropicError(plain, 502, "api_error");

    HttpResponse<String> streamed = gateway.post("/v1/messages", messages("broken", ",\"stream\":true"));
    assertAnthropicError(streamed, 502, "api_error");
  }

  @Test
  void overloadedUpstream_is529OverloadedError_plainAndStreamed() throws Exception {
    anthropic.answer(FakeAnthropic.status(529, FakeAnthropic.envelope("overloaded_error", "Overloaded")));
    assertAnthropicError(gateway.post("/v1/messages", messages("busy", "")), 529, "overloaded_error");
    assertAnthropicError(gateway.post("/v1/messages", messages("busy", ",\"stream\":true")), 529, "overloaded_error");

    anthropic.answer(FakeAnthropic.status(529, FakeAnthropic.envelope("overloaded_error", "Overloaded"),
        RawHeader.create("retry-after", "3")));
    HttpResponse<String> withRetryAfter = gateway.post("/v1/messages", messages("busy", ""));
    assertAnthropicError(withRetryAfter, 529, "overloaded_error");
    assertEquals("3", withRetryAfter.headers().firstValue("retry-after").orElseThrow());
  }

  private static final String UPSTREAM_MODEL = "claude-sonnet-4-5-20250929";

  @Test
  void anthropicUpstream_getsTheClientsBytes_andTheClientGetsTheUpstreamsBytes() throws Exception {
    // Fields the gateway knows nothing of, and a system string: a translation would lose or reshape them.
    String body = "{\"model\":\"" + UPSTREAM_MODEL + "\",\"max_tokens\":64,\"system\":\"Be brief.\","
        + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},\"container\":\"c_1\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello, Claude\"}]}";

    HttpResponse<String> response = gateway.post("/v1/messages", body);

    assertEquals(200, response.statusCode(), response.body());
    assertEquals(body, anthropic.received().get(0).body().utf8String(), "forwarded byte for byte");
    assertEquals(FakeAnthropic.textMessage(UPSTREAM_MODEL), response.body(), "answered byte for byte");
    assertEquals("claude/" + UPSTREAM_MODEL, response.headers().firstValue("x-switchboard-deployment").orElseThrow());
    assertSlotFree("claude");
  }

  @Test
  void anthropicUpstream_underAnAlias_getsTheClientsRequestWithOnlyTheModelRewritten() throws Exception {
    String body = messages("claude", ",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}");

    assertEquals(200, gateway.post("/v1/messages", body).statusCode());

    JsonNode expected = JSON.readTree(body);
    ((com.fasterxml.jackson.databind.node.ObjectNode) expected).put("model", UPSTREAM_MODEL);
    assertEquals(expected, anthropic.received().get(0).json());
  }

  @Test
  void anthropicUpstreamFailing_fallsBackToAnotherKind_whichAnswersTranslated() throws Exception {
    anthropic.answer(FakeAnthropic.status(500, FakeAnthropic.envelope("api_error", "Internal server error")));

    HttpResponse<String> response = gateway.post("/v1/messages", messages("claude-or-sim", ""));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("simulated/switchboard-sim-1", response.headers().firstValue("x-switchboard-deployment").orElseThrow());
    JsonNode body = JSON.readTree(response.body());
    assertEquals("message", body.path("type").asText());
    assertEquals(1, anthropic.received().size());
    assertEquals("Be brief.", anthropic.received().get(0).json().path("system").asText(), "the first try passed through");
    assertSlotFree("claude");
  }

  @Test
  void anthropicUpstream_streamsItsOwnEventsByteForByte_andReleasesThePermit() throws Exception {
    HttpResponse<InputStream> response = gateway.postStreaming("/v1/messages", messages("claude", ",\"stream\":true"));

    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
    String received = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(String.join("", FakeAnthropic.textEvents(UPSTREAM_MODEL)), received,
        "the upstream's events, its own ping included, and nothing else");
    assertSlotFree("claude");
  }

  @Test
  void anthropicUpstream_errorEventOrCutStream_endsWithAnAnthropicErrorEvent() throws Exception {
    List<String> documented = FakeAnthropic.textEvents(UPSTREAM_MODEL);
    anthropic.answer(FakeAnthropic.events(List.of(documented.get(0), documented.get(1), FakeAnthropic.event("error",
        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"))));
    List<Golden.Event> failed = Golden.parseEvents(new String(gateway.postStreaming("/v1/messages",
        messages("claude", ",\"stream\":true")).body().readAllBytes(), StandardCharsets.UTF_8));
    Golden.Event last = failed.get(failed.size() - 1);
    assertEquals("error", last.name(), failed.toString());
    assertEquals("overloaded_error", JSON.readTree(last.data()).path("error").path("type").asText(), last.data());
    assertSlotFree("claude");

    // Cut before its stop reason: after message_delta the answer would be whole.
    anthropic.answer(FakeAnthropic.events(documented.subList(0, documented.size() - 2)));
    List<Golden.Event> cut = Golden.parseEvents(new String(gateway.postStreaming("/v1/messages",
        messages("claude", ",\"stream\":true")).body().readAllBytes(), StandardCharsets.UTF_8));
    assertEquals("content_block_stop", cut.get(cut.size() - 2).name(), cut.toString());
    assertEquals("error", cut.get(cut.size() - 1).name());
    JsonNode error = JSON.readTree(cut.get(cut.size() - 1).data()).path("error");
    assertEquals("upstream_reset", error.path("type").asText());
    assertTrue(error.path("message").asText().contains("message_stop"));
    assertSlotFree("claude");
  }

  private static String countTokens(String model) {
    return "{\"model\":\"" + model + "\",\"system\":\"You are a scientist\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"Hello, Claude\"}]}";
  }

  @Test
  void countTokens_forAnAnthropicModel_givesTheDocumentedEstimate() throws Exception {
    HttpResponse<String> response = gateway.post("/v1/messages/count_tokens", countTokens("claude"));

    assertEquals(200, response.statusCode(), response.body());
    // UTF-8 bytes / 4 rounded up, plus OpenAI's framing: 3 per message, 3 priming the reply.
    // system: 3 + "system" 2 + "You are a scientist" 5; user: 3 + "user" 1 + "Hello, Claude" 4; primer 3
    assertEquals(21, JSON.readTree(response.body()).path("input_tokens").asInt());
    assertTrue(anthropic.received().isEmpty(), "counting never calls the upstream");
  }

  @Test
  void countTokens_forAnOpenAiModel_countsWithItsTokenizer() throws Exception {
    HttpResponse<String> response = gateway.post("/v1/messages/count_tokens", countTokens("gpt"));

    assertEquals(200, response.statusCode(), response.body());
    ChatCompletionRequest same = JSON.readValue("{\"model\":\"gpt\",\"messages\":[{\"role\":\"system\","
        + "\"content\":\"You are a scientist\"},{\"role\":\"user\",\"content\":\"Hello, Claude\"}]}",
        ChatCompletionRequest.class);
    TokenEstimator estimator = new TokenEstimator();
    assertTrue(estimator.exact("gpt-4o"));
    // o200k_base: "You are a scientist" 4 tokens, "Hello, Claude" 3, "system" and "user" 1 each; framing 3+3+3
    assertEquals(18, estimator.promptTokens(same, "gpt-4o"));
    assertEquals(18, JSON.readTree(response.body()).path("input_tokens").asInt());
  }

  @Test
  void countTokens_mistakes_areAnthropicErrors() throws Exception {
    assertAnthropicError(gateway.post("/v1/messages/count_tokens", "{\"messages\":[]}"), 400, "invalid_request_error");
    assertAnthropicError(gateway.post("/v1/messages/count_tokens", countTokens("no-such-model")), 404,
        "not_found_error");
    assertAnthropicError(gateway.post("/v1/messages/count_tokens", "{\"model\":\"claude\",\"messages\":"
        + "[{\"role\":\"system\",\"content\":\"hi\"}]}"), 400, "invalid_request_error");
  }
}
