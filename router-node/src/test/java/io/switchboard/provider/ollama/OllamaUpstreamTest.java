package io.switchboard.provider.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.SseEvents;
import io.switchboard.TestGateway;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gateway in front of an Ollama server: OpenAI requests reach {@code /api/chat} in Ollama's shape,
 * and its JSON answers and NDJSON streams come back as OpenAI completions and chunks.
 */
@Tag("integration")
class OllamaUpstreamTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOllama ollama = new FakeOllama("llama3.2:latest");
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  private TestGateway gateway(String baseUrl) {
    gateway = gateways.start("""
        # Each failure on its own, as the adapter maps it: retries and the breaker are tested elsewhere.
        switchboard.provider-defaults { retries.max-attempts = 1, breaker { consecutive-failures = 1000, minimum-calls = 1000 } }
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.providers.local {
          kind = ollama
          max-in-flight = 4
          timeouts { connect = 2s, first-byte = 2s, total = 5s, stream-idle = 1s }
          ollama.base-url = "%s"
        }
        switchboard.models {
          llama { provider = local, upstream-model = "llama3.2" }
          mistral { provider = local, upstream-model = "mistral" }
        }
        %s
        """.formatted(baseUrl, client()));
    return gateway;
  }

  /** The upstream client's setting: none here (Netty, the default); a subclass runs all on Pekko's host pool. */
  String client() {
    return "";
  }

  private TestGateway gateway() {
    return gateway(ollama.baseUrl());
  }

  private static String chat(String model, String extra) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]" + extra + "}";
  }

  private static JsonNode json(String body) throws Exception {
    return JSON.readTree(body);
  }

  private static void assertError(HttpResponse<String> response, int status, String type) throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    JsonNode error = json(response.body()).path("error");
    assertEquals(type, error.path("type").asText(), response.body());
    assertTrue(error.has("param") && error.has("code"), "OpenAI envelope has all four fields: " + response.body());
  }

  private void assertSlotsFree() {
    TestProbe<Object> probe = gateways.testKit().createTestProbe();
    probe.awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(0, gateway.status("local").inFlight(), "every slot handed back");
      return null;
    });
  }

  private List<String> stream(String body) {
    HttpResponse<InputStream> response = gateway.postStreaming("/v1/chat/completions", body);
    assertEquals(200, response.statusCode());
    return new SseEvents(response.body()).all();
  }

  @Test
  void plainCompletion_isSentToApiChatAndAnsweredAsAChatCompletion() throws Exception {
    gateway();

    HttpResponse<String> response = gateway.post("/v1/chat/completions",
        chat("llama", ",\"temperature\":0.2,\"seed\":42,\"max_tokens\":64,\"stop\":[\"\\n\"]"));

    assertEquals(200, response.statusCode(), response.body());
    JsonNode body = json(response.body());
    assertEquals("chat.completion", body.path("object").asText());
    assertTrue(body.path("id").asText().startsWith("chatcmpl-"));
    JsonNode choice = body.path("choices").get(0);
    assertEquals(String.join("", FakeOllama.PIECES), choice.path("message").path("content").asText());
    assertEquals("stop", choice.path("finish_reason").asText());
    assertEquals(FakeOllama.PROMPT_EVAL_COUNT, body.path("usage").path("prompt_tokens").asInt());
    assertEquals(FakeOllama.EVAL_COUNT, body.path("usage").path("completion_tokens").asInt());

    FakeOllama.Received received = ollama.received().get(0);
    assertEquals("/api/chat", received.path());
    JsonNode sent = received.json();
    assertEquals("llama3.2", sent.path("model").asText());
    assertFalse(sent.path("stream").asBoolean(true), "stream:false written out, since Ollama streams by default");
    assertEquals(0.2, sent.path("options").path("temperature").asDouble());
    assertEquals(42, sent.path("options").path("seed").asInt());
    assertEquals(64, sent.path("options").path("num_predict").asInt());
    assertEquals("\n", sent.path("options").path("stop").get(0).asText());
    assertEquals("system", sent.path("messages").get(0).path("role").asText());
    assertSlotsFree();
  }

  @Test
  void streaming_ndjsonBecomesOpenAiChunksWithUsageAndDone() throws Exception {
    gateway();

    List<String> events = stream(chat("llama", ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));

    assertEquals("[DONE]", events.get(events.size() - 1));
    assertEquals("assistant", json(events.get(0)).path("choices").get(0).path("delta").path("role").asText());
    StringBuilder text = new StringBuilder();
    for (String event : events.subList(0, events.size() - 2)) {
      text.append(json(event).path("choices").get(0).path("delta").path("content").asText(""));
    }
    assertEquals(String.join("", FakeOllama.PIECES), text.toString());
    assertEquals("stop", json(events.get(events.size() - 3)).path("choices").get(0).path("finish_reason").asText());
    JsonNode usage = json(events.get(events.size() - 2)).path("usage");
    assertEquals(FakeOllama.PROMPT_EVAL_COUNT + FakeOllama.EVAL_COUNT, usage.path("total_tokens").asInt());
    assertTrue(ollama.received().get(0).json().path("stream").asBoolean());
    assertSlotsFree();
  }

  @Test
  void toolCalls_streamedAndPlain_comeBackAsOpenAiToolCalls() throws Exception {
    gateway();
    String tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_current_weather\","
        + "\"parameters\":{\"type\":\"object\"}}}]";

    JsonNode plain = json(gateway.post("/v1/chat/completions", chat("llama", tools)).body()).path("choices").get(0);
    assertEquals("tool_calls", plain.path("finish_reason").asText());
    JsonNode call = plain.path("message").path("tool_calls").get(0);
    assertEquals("get_current_weather", call.path("function").path("name").asText());
    assertEquals("Paris, FR", json(call.path("function").path("arguments").asText()).path("location").asText());
    assertEquals("get_current_weather", ollama.received().get(0).json().path("tools").get(0).path("function")
        .path("name").asText());

    List<String> events = stream(chat("llama", tools + ",\"stream\":true"));
    JsonNode streamed = json(events.get(1)).path("choices").get(0).path("delta").path("tool_calls").get(0);
    assertEquals(0, streamed.path("index").asInt());
    assertTrue(streamed.path("id").asText().startsWith("call_"));
    assertEquals("Paris, FR", json(streamed.path("function").path("arguments").asText()).path("location").asText());
    assertEquals("tool_calls", json(events.get(events.size() - 2)).path("choices").get(0).path("finish_reason").asText());
  }

  @Test
  void jsonMode_becomesOllamasFormat() throws Exception {
    gateway();

    gateway.post("/v1/chat/completions", chat("llama", ",\"response_format\":{\"type\":\"json_object\"}"));
    gateway.post("/v1/chat/completions", chat("llama", ",\"response_format\":{\"type\":\"json_schema\","
        + "\"json_schema\":{\"name\":\"a\",\"schema\":{\"type\":\"object\",\"required\":[\"age\"]}}}"));

    assertEquals("json", ollama.received().get(0).json().path("format").asText());
    assertEquals("age", ollama.received().get(1).json().path("format").path("required").get(0).asText());
  }

  @Test
  void modelNotPulled_is404ModelNotFoundSayingHowToPullIt() throws Exception {
    gateway();

    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("mistral", ""));

    assertError(response, 404, "invalid_request_error");
    JsonNode error = json(response.body()).path("error");
    assertEquals("model_not_found", error.path("code").asText());
    assertTrue(error.path("message").asText().contains("not pulled"), response.body());
    assertTrue(error.path("message").asText().contains("ollama pull mistral"), response.body());
    assertSlotsFree();
  }

  @Test
  void connectionRefused_is503ProviderUnavailable() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    gateway("http://127.0.0.1:" + closedPort);

    HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("llama", ""));

    assertError(response, 503, "provider_unavailable");
    assertTrue(response.body().contains("connection refused"), response.body());
    assertSlotsFree();
  }

  @Test
  void otherErrors_mapToTheOpenAiEnvelope() throws Exception {
    gateway();
    ollama.answer(FakeOllama.status(400, "{\"error\":\"invalid options: num_ctx must be positive\"}"));
    HttpResponse<String> invalid = gateway.post("/v1/chat/completions", chat("llama", ""));
    assertError(invalid, 400, "invalid_request_error");
    assertTrue(invalid.body().contains("num_ctx must be positive"));

    ollama.answer(FakeOllama.status(500, "{\"error\":\"llama runner process has terminated: signal: killed\"}"));
    HttpResponse<String> failed = gateway.post("/v1/chat/completions", chat("llama", ""));
    assertError(failed, 502, "upstream_error");
    assertTrue(failed.body().contains("llama runner process has terminated"));
  }

  @Test
  void errorLineMidStream_endsTheStreamWithThatError() throws Exception {
    gateway();
    ollama.answer(FakeOllama.lines(List.of(FakeOllama.lines("llama3.2").get(0),
        "{\"error\":\"an error was encountered while running the model: unexpected EOF\"}\n")));

    List<String> events = stream(chat("llama", ",\"stream\":true"));

    JsonNode last = json(events.get(events.size() - 1)).path("error");
    assertEquals("upstream_error", last.path("type").asText());
    assertTrue(last.path("message").asText().contains("unexpected EOF"));
    assertFalse(events.contains("[DONE]"));
    assertSlotsFree();
  }

  @Test
  void garbageLineMidStream_endsTheStreamAsAMalformedEvent_withNothingOfItOrAfterIt() throws Exception {
    gateway();
    List<String> lines = FakeOllama.lines("llama3.2");
    List<String> faulty = new java.util.ArrayList<>(lines.subList(0, 1));
    faulty.add("<html>502 Bad Gateway</html>\n");
    faulty.addAll(lines.subList(1, lines.size()));
    ollama.answer(FakeOllama.lines(faulty));

    List<String> events = stream(chat("llama", ",\"stream\":true"));

    JsonNode error = json(events.get(events.size() - 1)).path("error");
    assertEquals("malformed_upstream_event", error.path("type").asText(), events.toString());
    assertEquals("malformed_upstream_event", error.path("code").asText());
    assertFalse(events.toString().contains("Bad Gateway"), events.toString());
    assertFalse(events.contains("[DONE]"));
    assertSlotsFree();
  }

  @Test
  void streamCutBeforeTheDoneLine_orSilent_endsWithAClearError() throws Exception {
    gateway();
    List<String> lines = FakeOllama.lines("llama3.2");
    ollama.answer(FakeOllama.lines(lines.subList(0, 2)));
    List<String> cut = stream(chat("llama", ",\"stream\":true"));
    assertEquals("upstream_reset", json(cut.get(cut.size() - 1)).path("error").path("type").asText());

    ollama.answer(FakeOllama.stallAfter(lines.subList(0, 1)));
    List<String> silent = stream(chat("llama", ",\"stream\":true"));
    assertEquals("upstream_stall_timeout", json(silent.get(silent.size() - 1)).path("error").path("type").asText());

    // Garbage before the first event: nothing has reached the client yet, so it gets a plain 502.
    ollama.answer(FakeOllama.lines(List.of("not json\n")));
    assertError(gateway.post("/v1/chat/completions", chat("llama", ",\"stream\":true")), 502,
        "malformed_upstream_event");
    assertSlotsFree();
  }

  @Test
  void malformedOrEmpty200_becomes502NeverA200() throws Exception {
    gateway();
    ollama.answer(FakeOllama.status(200, ""));
    assertError(gateway.post("/v1/chat/completions", chat("llama", "")), 502, "upstream_empty_response");

    ollama.answer(FakeOllama.status(200, "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assi"));
    assertError(gateway.post("/v1/chat/completions", chat("llama", "")), 502, "upstream_malformed_response");

    ollama.answer(FakeOllama.status(200, "{\"status\":\"success\"}"));
    assertError(gateway.post("/v1/chat/completions", chat("llama", "")), 502, "upstream_malformed_response");

    ollama.answer(FakeOllama.status(200, "[1,2]"));
    assertError(gateway.post("/v1/chat/completions", chat("llama", "")), 502, "upstream_malformed_response");

    ollama.answer(FakeOllama.status(200, "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"x\"},"
        + "\"done\":false}"));
    assertError(gateway.post("/v1/chat/completions", chat("llama", "")), 502, "upstream_malformed_response");
    assertSlotsFree();
  }

  @Test
  void imageUrlOllamaCannotFetch_is400NamingThePart() throws Exception {
    gateway();

    HttpResponse<String> response = gateway.post("/v1/chat/completions", "{\"model\":\"llama\",\"messages\":[{\"role\":"
        + "\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}]}]}");

    assertError(response, 400, "invalid_request_error");
    assertEquals("messages[0].content[0]", json(response.body()).path("error").path("param").asText());
    assertTrue(ollama.received().isEmpty());
  }

  @Test
  void clientHangingUpMidStream_cancelsTheUpstreamStreamAndFreesTheSlot() throws Exception {
    gateway();
    ollama.answer(ollama.endlessStream(Duration.ofMillis(20)));

    SseEvents events = new SseEvents(gateway.postStreaming("/v1/chat/completions", chat("llama", ",\"stream\":true"))
        .body());
    for (int i = 0; i < 3; i++) assertTrue(events.next().contains("chat.completion.chunk"));
    assertEquals(1, gateway.status("local").inFlight());

    events.close();

    ollama.streamEnded().get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertSlotsFree();
  }
}
