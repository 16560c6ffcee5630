package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.SseEvents;
import io.switchboard.TestGateway;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The HTTP surface as a client meets it, on the default simulated provider: chat completions plain
 * and streaming, the model list, the probes, and a clear 4xx in the OpenAI envelope for every kind of
 * bad input.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHAT = "/v1/chat/completions";

  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  @BeforeAll
  void start() {
    gateway = gateways.start("""
        switchboard.http.max-request-body = 2 KiB
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 8 }
        switchboard.providers.broken { kind = simulated, simulated { latency = 0s, error-rate = 1.0 } }
        switchboard.models.always-fails { provider = broken, upstream-model = broken-1 }
        """);
  }

  private static JsonNode json(String body) throws Exception {
    return JSON.readTree(body);
  }

  private static String chat(String model, String extra) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"Hello\"}]" + extra + "}";
  }

  /** Asserts the OpenAI error envelope, exactly its four fields, and returns the error object. */
  private static JsonNode assertError(HttpResponse<String> response, int status, String param, String code)
      throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("application/json"));
    JsonNode error = json(response.body()).path("error");
    assertEquals(List.of("message", "type", "param", "code"), fieldNames(error), response.body());
    assertEquals(param, error.path("param").isNull() ? null : error.path("param").asText());
    assertEquals(code, error.path("code").asText());
    return error;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void chatCompletion_fromTheSimulatedProvider_isAFullOpenAiAnswer() throws Exception {
    HttpResponse<String> response = gateway.post(CHAT, chat("switchboard-sim", ""));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("true", response.headers().firstValue("x-switchboard-simulated").orElseThrow());
    assertEquals("simulated/switchboard-sim-1", response.headers().firstValue("x-switchboard-deployment").orElseThrow());
    JsonNode answer = json(response.body());
    assertEquals("chat.completion", answer.path("object").asText());
    assertEquals("switchboard-sim-1", answer.path("model").asText());
    assertEquals("switchboard-simulated", answer.path("system_fingerprint").asText());
    assertEquals("assistant", answer.at("/choices/0/message/role").asText());
    assertTrue(answer.at("/choices/0/message/content").asText().startsWith("This is a simulated reply"));
    assertEquals(8, answer.at("/usage/completion_tokens").asInt());
  }

  @Test
  void streamingChatCompletion_isServerSentEventsEndingInDone() throws Exception {
    HttpResponse<InputStream> response = gateway.postStreaming(CHAT,
        chat("switchboard-sim", ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));

    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
    assertEquals("true", response.headers().firstValue("x-switchboard-simulated").orElseThrow());
    List<String> events = new SseEvents(response.body()).all();
    assertEquals(1 + 8 + 1 + 1 + 1, events.size(), events.toString());
    assertEquals("[DONE]", events.get(events.size() - 1));
    assertEquals(8, json(events.get(events.size() - 2)).at("/usage/completion_tokens").asInt());
  }

  @Test
  void models_listsEveryConfiguredModelWithItsProvider() throws Exception {
    HttpResponse<String> response = gateway.get("/v1/models");

    assertEquals(200, response.statusCode());
    JsonNode list = json(response.body());
    assertEquals("list", list.path("object").asText());
    assertEquals(2, list.path("data").size());
    JsonNode sim = list.path("data").get(1);
    assertEquals("switchboard-sim", sim.path("id").asText());
    assertEquals("model", sim.path("object").asText());
    assertEquals("simulated", sim.path("owned_by").asText());
  }

  @Test
  void probes_sayAliveAndReady() {
    assertEquals(200, gateway.get("/health").statusCode());
    HttpResponse<String> ready = gateway.get("/ready");
    assertEquals(200, ready.statusCode());
    assertTrue(ready.body().contains("ready"));
  }

  @Test
  void badJson_is400SayingWhereItBroke() throws Exception {
    JsonNode error = assertError(gateway.post(CHAT, "{\"model\":\"switchboard-sim\",\"messages\":[}"),
        400, null, "invalid_json");
    assertEquals("invalid_request_error", error.path("type").asText());
    assertTrue(error.path("message").asText().contains("line 1, column"), error.toString());
  }

  @Test
  void emptyBody_or_nonObjectBody_is400() throws Exception {
    assertError(gateway.post(CHAT, ""), 400, null, "invalid_json");
    assertError(gateway.post(CHAT, "[1,2]"), 400, null, "invalid_json");
  }

  @Test
  void missingFields_are400NamingTheField() throws Exception {
    assertError(gateway.post(CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
        400, "model", "missing_required_parameter");
    assertError(gateway.post(CHAT, "{\"model\":\"switchboard-sim\"}"), 400, "messages", "missing_required_parameter");
    assertError(gateway.post(CHAT, "{\"model\":\"switchboard-sim\",\"messages\":[]}"), 400, "messages", "invalid_value");
    assertError(gateway.post(CHAT, "{\"model\":\"switchboard-sim\",\"messages\":[{\"content\":\"hi\"}]}"),
        400, "messages[0].role", "missing_required_parameter");
  }

  @Test
  void wrongTypes_are400NamingTheFieldAndTheExpectedType() throws Exception {
    JsonNode role = assertError(gateway.post(CHAT,
            "{\"model\":\"switchboard-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":[1]}]}"),
        400, "messages[1].role", "invalid_type");
    assertTrue(role.path("message").asText().contains("expected a string"), role.toString());
    assertError(gateway.post(CHAT, "{\"model\":5,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}"),
        400, "model", "invalid_type");
    assertError(gateway.post(CHAT, chat("switchboard-sim", ",\"stream\":\"yes\"")), 400, "stream", "invalid_type");
    assertError(gateway.post(CHAT, chat("switchboard-sim", ",\"max_tokens\":\"ten\"")), 400, "max_tokens", "invalid_type");
    assertError(gateway.post(CHAT, chat("switchboard-sim", ",\"max_tokens\":0")), 400, "max_tokens", "invalid_value");
    assertError(gateway.post(CHAT, "{\"model\":\"switchboard-sim\",\"messages\":[{\"role\":\"wizard\",\"content\":\"a\"}]}"),
        400, "messages[0].role", "invalid_value");
  }

  @Test
  void unknownModel_is404SayingWhereToLook() throws Exception {
    JsonNode error = assertError(gateway.post(CHAT, chat("gpt-nonexistent", "")), 404, "model", "model_not_found");
    assertTrue(error.path("message").asText().contains("gpt-nonexistent"));
    assertTrue(error.path("message").asText().contains("/v1/models"));
  }

  @Test
  void oversizedBody_is413() throws Exception {
    String big = chat("switchboard-sim", ",\"user\":\"" + "x".repeat(4096) + "\"");
    JsonNode error = assertError(gateway.post(CHAT, big), 413, null, "request_too_large");
    assertTrue(error.path("message").asText().contains("max-request-body"));
  }

  @Test
  void failingProvider_is502InTheEnvelope() throws Exception {
    JsonNode error = assertError(gateway.post(CHAT, chat("always-fails", "")), 502, null, "upstream_http_500");
    assertEquals("upstream_error", error.path("type").asText());
  }

  @Test
  void unknownPath_is404_wrongMethod_is405_bothInTheEnvelope() throws Exception {
    assertError(gateway.get("/v1/nothing-here"), 404, null, "unknown_url");
    JsonNode error = assertError(gateway.get(CHAT), 405, null, "method_not_allowed");
    assertTrue(error.path("message").asText().contains("POST"));
    HttpResponse<String> delete = gateway.send(
        HttpRequest.newBuilder(gateway.uri("/v1/models")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertError(delete, 405, null, "method_not_allowed");
  }
}
