package io.switchboard.responses;

import static io.switchboard.keys.KeyRequests.assertError;
import static io.switchboard.keys.KeyRequests.createKey;
import static io.switchboard.keys.KeyRequests.getWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.openai.FakeOpenAi;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code POST /v1/responses} passed through to an upstream's own Responses API
 * ({@code openai.responses-api = native}): the client's body reaches the upstream intact except for the
 * resolved conversation and {@code store: false}; the answer, plain or streamed, comes back under the
 * gateway's own response id, is stored under the calling key, continues with {@code previous_response_id}
 * from the gateway's store, and is metered from the Responses usage at the model's prices.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NativeResponsesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;
  private String key;

  @BeforeAll
  void start() {
    gateway = gateways.start("""
        switchboard.auth.mode = keys
        switchboard.usage.flush-interval = 50ms
        switchboard.provider-defaults { retries.max-attempts = 1, breaker { consecutive-failures = 1000, minimum-calls = 1000 } }
        switchboard.providers.openai { kind = openai, openai { base-url = "%1$s", responses-api = native } }
        switchboard.providers.chat-only { kind = openai, openai { base-url = "%1$s" } }
        switchboard.models {
          gpt { provider = openai, upstream-model = "gpt-4.1", input-price-per-million = 2, output-price-per-million = 8 }
          # A chat-only deployment first: /v1/responses skips it, chat still uses it.
          mixed { deployments = [ { provider = chat-only, upstream-model = "gpt-4o" },
                                  { provider = openai, upstream-model = "gpt-4.1" } ] }
        }
        """.formatted(upstream.baseUrl()));
    key = createKey(gateway, "{\"name\":\"native\"}").path("key").asText();
  }

  private HttpResponse<String> send(String method, String path, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri(path)).header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return gateway.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode create(String body) {
    HttpResponse<String> response = send("POST", "/v1/responses", body);
    assertEquals(200, response.statusCode(), response.body());
    return json(response.body());
  }

  private static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + body, e);
    }
  }

  /** A stream's events: each {@code event:} name with its data. */
  private record Event(String name, JsonNode data) {}

  private static List<Event> events(String body) {
    List<Event> events = new ArrayList<>();
    String name = null;
    for (String line : body.split("\n")) {
      if (line.startsWith("event: ")) name = line.substring(7);
      if (line.startsWith("data: ")) events.add(new Event(name, json(line.substring(6))));
    }
    return events;
  }

  @Test
  void plain_bodyReachesTheUpstreamIntact_exceptModelAndStore_andTheAnswerIsStoredUnderTheGatewaysId() {
    String body = """
        {"model":"gpt","instructions":"Be brief.","input":"Latest news?","tools":[{"type":"web_search"}],\
        "include":["web_search_call.action.sources"],"reasoning":{"effort":"low","summary":"auto"},\
        "metadata":{"team":"a"},"max_output_tokens":64}""";

    JsonNode response = create(body);

    assertEquals(1, upstream.received().size());
    assertEquals("/v1/responses", upstream.received().get(0).path());
    ObjectNode expected = (ObjectNode) json(body);
    expected.put("model", "gpt-4.1").put("store", false);
    assertEquals(expected, upstream.received().get(0).json(), "built-in tools, include, reasoning passed on as sent");

    String id = response.path("id").asText();
    assertTrue(id.startsWith("resp_"), id);
    assertNotEquals(FakeOpenAi.RESPONSE_ID, id, "the gateway's own id, not the unstored upstream's");
    assertTrue(response.path("store").asBoolean(), "the client's store, not the upstream's false");
    assertTrue(response.path("previous_response_id").isNull());
    assertEquals(FakeOpenAi.CONTENT, response.path("output").get(0).path("content").get(0).path("text").asText());
    assertEquals(FakeOpenAi.RESPONSE_INPUT_TOKENS, response.path("usage").path("input_tokens").asInt());

    HttpResponse<String> stored = send("GET", "/v1/responses/" + id, null);
    assertEquals(200, stored.statusCode(), stored.body());
    assertEquals(response, json(stored.body()));
    JsonNode items = json(send("GET", "/v1/responses/" + id + "/input_items", null).body()).path("data");
    assertEquals("Latest news?", items.get(0).path("content").get(0).path("text").asText(), items.toString());
  }

  @Test
  void storeFalse_isNotKept() {
    String id = create("{\"model\":\"gpt\",\"input\":\"Hi\",\"store\":false}").path("id").asText();

    assertFalse(upstream.received().get(0).json().path("store").asBoolean(true));
    assertEquals(404, send("GET", "/v1/responses/" + id, null).statusCode());
  }

  @Test
  void stream_isPassedThroughEventByEvent_endingInResponseCompleted_andIsStored() {
    HttpResponse<String> streamed = send("POST", "/v1/responses", "{\"model\":\"gpt\",\"input\":\"Hi\",\"stream\":true}");

    assertEquals(200, streamed.statusCode(), streamed.body());
    assertTrue(streamed.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
    assertEquals("/v1/responses", upstream.received().get(0).path());
    assertEquals("{\"model\":\"gpt-4.1\",\"input\":\"Hi\",\"stream\":true,\"store\":false}",
        upstream.received().get(0).json().toString());
    List<Event> events = events(streamed.body());
    List<String> upstreamNames = FakeOpenAi.responseEvents("gpt-4.1").stream()
        .map(e -> e.substring(7, e.indexOf('\n'))).toList();
    assertEquals(upstreamNames, events.stream().map(Event::name).toList(), "every event, in order, nothing added");
    assertFalse(streamed.body().contains("[DONE]"));
    StringBuilder text = new StringBuilder();
    events.stream().filter(e -> e.name().equals("response.output_text.delta"))
        .forEach(e -> text.append(e.data().path("delta").asText()));
    assertEquals(FakeOpenAi.CONTENT, text.toString());
    Event completed = events.get(events.size() - 1);
    String id = completed.data().path("response").path("id").asText();
    assertNotEquals(FakeOpenAi.RESPONSE_ID, id);
    assertEquals(id, events.get(0).data().path("response").path("id").asText(), "one id from created to completed");
    assertTrue(completed.data().path("response").path("store").asBoolean());

    JsonNode stored = json(send("GET", "/v1/responses/" + id, null).body());
    assertEquals(completed.data().path("response"), stored);
  }

  @Test
  void previousResponseId_isResolvedByTheGateway_theUpstreamGetsTheWholeChainAndStoresNothing() {
    String first = create("{\"model\":\"gpt\",\"input\":\"Hi\"}").path("id").asText();
    JsonNode second = create("{\"model\":\"gpt\",\"input\":\"And then?\",\"previous_response_id\":\"" + first + "\"}");
    String secondId = second.path("id").asText();
    create("{\"model\":\"gpt\",\"input\":[{\"role\":\"user\",\"content\":\"Last one\"}],"
        + "\"previous_response_id\":\"" + secondId + "\"}");

    JsonNode sent = upstream.received().get(1).json();
    assertFalse(sent.has("previous_response_id"), sent.toString());
    assertFalse(sent.path("store").asBoolean(true));
    JsonNode input = sent.path("input");
    assertEquals(3, input.size(), input.toString());
    assertEquals("Hi", input.get(0).path("content").get(0).path("text").asText(), input.toString());
    assertEquals("assistant", input.get(1).path("role").asText());
    assertEquals(FakeOpenAi.CONTENT, input.get(1).path("content").get(0).path("text").asText());
    assertFalse(input.get(1).has("id"), "ids of items the upstream never stored are not sent");
    assertEquals("And then?", input.get(2).path("content").asText());
    assertEquals(first, second.path("previous_response_id").asText());

    JsonNode third = upstream.received().get(2).json().path("input");
    assertEquals(5, third.size(), third.toString());
    assertEquals("Last one", third.get(4).path("content").asText());
    JsonNode stored = json(send("GET", "/v1/responses/" + secondId, null).body());
    assertEquals(first, stored.path("previous_response_id").asText());
  }

  @Test
  void aModelMixingNativeAndChatDeployments_passesResponsesToTheNativeOnly() {
    JsonNode response = create("{\"model\":\"mixed\",\"input\":\"Hi\"}");

    assertEquals(1, upstream.received().size());
    assertEquals("/v1/responses", upstream.received().get(0).path());
    assertEquals("gpt-4.1", upstream.received().get(0).json().path("model").asText());
    assertEquals(FakeOpenAi.CONTENT, response.path("output").get(0).path("content").get(0).path("text").asText());
  }

  @Test
  void usage_isRecordedFromTheResponsesShape_atTheModelsPrices() {
    String secret = createKey(gateway, "{\"name\":\"metered-native\"}").path("key").asText();
    HttpResponse<String> created = gateway.send(HttpRequest.newBuilder(gateway.uri("/v1/responses"))
        .header("Authorization", "Bearer " + secret).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt\",\"input\":\"Hi\",\"stream\":true}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, created.statusCode(), created.body());
    assertEquals(200, gateway.send(HttpRequest.newBuilder(gateway.uri("/v1/responses"))
        .header("Authorization", "Bearer " + secret).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt\",\"input\":\"Hi\"}")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());

    gateways.testKit().createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      HttpResponse<String> report = getWith(gateway, "/v1/usage?group_by=model", "x-api-key", secret);
      JsonNode row = json(report.body()).path("data").path(0);
      assertEquals("gpt", row.path("model").asText(), report.body());
      assertEquals(2, row.path("requests").asLong(), report.body());
      assertEquals(2 * FakeOpenAi.RESPONSE_INPUT_TOKENS, row.path("prompt_tokens").asLong(), report.body());
      assertEquals(2 * FakeOpenAi.RESPONSE_OUTPUT_TOKENS, row.path("completion_tokens").asLong(), report.body());
      BigDecimal cost = new BigDecimal(2 * (FakeOpenAi.RESPONSE_INPUT_TOKENS * 2 + FakeOpenAi.RESPONSE_OUTPUT_TOKENS * 8))
          .movePointLeft(6);
      assertEquals(0, cost.compareTo(row.path("cost_usd").decimalValue()), report.body());
      return null;
    });
  }

  @Test
  void upstream429_reachesTheClientAs429WithRetryAfter_inOpenAisEnvelope() {
    upstream.answer(FakeOpenAi.status(429, FakeOpenAi.envelope("Rate limit reached for requests", "requests"),
        RawHeader.create("retry-after", "7")));

    HttpResponse<String> response = send("POST", "/v1/responses", "{\"model\":\"gpt\",\"input\":\"Hi\"}");

    assertEquals("/v1/responses", upstream.received().get(0).path());
    assertError(response, 429, "rate_limit_exceeded");
    assertEquals("rate_limit_error", json(response.body()).path("error").path("type").asText());
    assertEquals("7", response.headers().firstValue("retry-after").orElseThrow());
  }

  @Test
  void upstream500_is502UpstreamError_plainAndStreamed() {
    upstream.answer(FakeOpenAi.status(500, FakeOpenAi.envelope("The server had an error", "server_error")));

    HttpResponse<String> plain = send("POST", "/v1/responses", "{\"model\":\"gpt\",\"input\":\"Hi\"}");
    HttpResponse<String> streamed = send("POST", "/v1/responses", "{\"model\":\"gpt\",\"input\":\"Hi\",\"stream\":true}");

    assertEquals(List.of("/v1/responses", "/v1/responses"), upstream.received().stream().map(r -> r.path()).toList());
    assertError(plain, 502, "upstream_http_500");
    assertError(streamed, 502, "upstream_http_500");
    assertEquals("upstream_error", json(plain.body()).path("error").path("type").asText());
  }

  @Test
  void aStreamCutShortBeforeResponseCompleted_endsWithAnErrorEvent_andIsNotStored() {
    List<String> all = FakeOpenAi.responseEvents("gpt-4.1");
    upstream.answer(FakeOpenAi.events(all.subList(0, all.size() - 1).toArray(String[]::new)));

    HttpResponse<String> streamed = send("POST", "/v1/responses", "{\"model\":\"gpt\",\"input\":\"Hi\",\"stream\":true}");

    List<Event> events = events(streamed.body());
    Event last = events.get(events.size() - 1);
    assertEquals("error", last.name(), streamed.body());
    assertEquals("upstream_malformed_response", last.data().path("code").asText());
    String id = events.get(0).data().path("response").path("id").asText();
    assertEquals(404, send("GET", "/v1/responses/" + id, null).statusCode());
  }
}
