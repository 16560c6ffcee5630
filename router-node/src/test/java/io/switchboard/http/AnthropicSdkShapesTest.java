package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.Golden;
import io.switchboard.provider.anthropic.FakeAnthropic;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
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
 * What Anthropic's SDKs read beyond the Messages body: the {@code request-id} header on every
 * {@code /v1/messages} answer (the upstream's own when it gave one), {@code GET /v1/models} in Anthropic's
 * paged shape when the request carries {@code anthropic-version}, and {@code input_tokens} in the
 * {@code message_start} of a stream an OpenAI-dialect upstream served.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnthropicSdkShapesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "sk-ant-shapes";

  @RegisterExtension static final FakeAnthropic anthropic = new FakeAnthropic(KEY);
  @RegisterExtension static final FakeOpenAi openai = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  @BeforeAll
  void start() {
    gateway = gateways.start("""
        switchboard.provider-defaults { retries.max-attempts = 1 }
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 8 }
        switchboard.providers.claude { kind = anthropic, anthropic { base-url = "%s", api-key-env = "K" } }
        switchboard.providers.oai { kind = openai, openai { base-url = "%s" } }
        switchboard.models {
          claude { provider = claude, upstream-model = "claude-sonnet-4-5-20250929" }
          gpt { provider = oai, upstream-model = "gpt-4o-mini" }
          sim { provider = simulated, upstream-model = "gpt-4o" }
        }
        """.formatted(anthropic.baseUrl(), openai.baseUrl()), Map.of("K", KEY));
  }

  private static String messages(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"max_tokens\":64,\"stream\":" + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there, how are you doing today?\"}]}";
  }

  private static String requestId(HttpResponse<?> response) {
    return response.headers().firstValue("request-id").orElse(null);
  }

  @Test
  void requestId_isTheAnthropicUpstreamsOwn_plainAndStreamed() throws Exception {
    HttpResponse<String> plain = gateway.post("/v1/messages", messages("claude", false));
    HttpResponse<String> streamed = gateway.post("/v1/messages", messages("claude", true));

    assertEquals(200, plain.statusCode(), plain.body());
    assertEquals("req_fake", requestId(plain));
    assertEquals(200, streamed.statusCode(), streamed.body());
    assertEquals("req_fake", requestId(streamed));
  }

  @Test
  void requestId_isAnOpenAiUpstreamsXRequestId() {
    openai.answer(r -> openai.documented(r).thenApply(response -> response.removeHeader("x-request-id")
        .addHeader(RawHeader.create("x-request-id", "req_openai_42"))));

    HttpResponse<String> response = gateway.post("/v1/messages", messages("gpt", false));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("req_openai_42", requestId(response));
    assertFalse(response.headers().firstValue("x-request-id").orElseThrow().equals("req_openai_42"),
        "x-request-id stays the gateway's own");
  }

  @Test
  void requestId_ofAnUpstreamsErrorAnswer_isThatUpstreamsOwn() {
    anthropic.answer(FakeAnthropic.status(529, FakeAnthropic.envelope("overloaded_error", "Overloaded"),
        RawHeader.create("request-id", "req_upstream_overloaded")));

    HttpResponse<String> response = gateway.post("/v1/messages", messages("claude", false));

    assertEquals(529, response.statusCode(), response.body());
    assertEquals("req_upstream_overloaded", requestId(response));
  }

  @Test
  void requestId_isOursWhenTheUpstreamGaveNone_andOnRefusals() {
    HttpResponse<String> simulated = gateway.post("/v1/messages", messages("sim", false));
    HttpResponse<String> unknownModel = gateway.post("/v1/messages", messages("no-such-model", false));
    HttpResponse<String> badBody = gateway.post("/v1/messages", "{not json");
    HttpResponse<String> countTokens = gateway.post("/v1/messages/count_tokens", messages("sim", false));

    for (HttpResponse<String> response : List.of(simulated, unknownModel, badBody, countTokens)) {
      String ours = response.headers().firstValue("x-request-id").orElseThrow();
      assertEquals(ours, requestId(response), response.uri() + " " + response.statusCode() + " " + response.body());
    }
    assertEquals(200, simulated.statusCode());
    assertEquals(404, unknownModel.statusCode());
    assertEquals(400, badBody.statusCode());
  }

  @Test
  void models_withAnthropicVersion_areAnthropicsPagedShape() throws Exception {
    HttpResponse<String> response = get("/v1/models");

    assertEquals(200, response.statusCode(), response.body());
    JsonNode page = JSON.readTree(response.body());
    List<String> ids = new ArrayList<>();
    for (JsonNode model : page.path("data")) {
      ids.add(model.path("id").asText());
      assertEquals("model", model.path("type").asText());
      assertEquals(model.path("id").asText(), model.path("display_name").asText());
      Instant.parse(model.path("created_at").asText()); // RFC 3339, or this throws
    }
    assertEquals(List.of("claude", "gpt", "sim"), ids.subList(0, 3).stream().sorted().toList());
    assertFalse(page.path("has_more").asBoolean());
    assertEquals(ids.get(0), page.path("first_id").asText());
    assertEquals(ids.get(ids.size() - 1), page.path("last_id").asText());
    assertFalse(page.has("object"), "not OpenAI's list shape");
  }

  @Test
  void models_pageWithLimitAndAfterId_likeTheSdksAutoPaging() throws Exception {
    JsonNode all = JSON.readTree(get("/v1/models").body()).path("data");
    JsonNode first = JSON.readTree(get("/v1/models?limit=1").body());
    JsonNode second = JSON.readTree(get("/v1/models?limit=1&after_id=" + first.path("last_id").asText()).body());
    JsonNode before = JSON.readTree(get("/v1/models?limit=5&before_id=" + second.path("last_id").asText()).body());

    assertEquals(1, first.path("data").size());
    assertTrue(first.path("has_more").asBoolean());
    assertEquals(all.get(1).path("id").asText(), second.path("data").get(0).path("id").asText());
    assertEquals(all.get(0).path("id").asText(), before.path("data").get(0).path("id").asText());
    assertEquals(1, before.path("data").size());
    assertFalse(before.path("has_more").asBoolean());
    assertAnthropicError(get("/v1/models?limit=0"), 400, "invalid_request_error");
  }

  @Test
  void oneModel_withAnthropicVersion_isAnthropicsModel_andAnUnknownOneIsNotFoundError() throws Exception {
    JsonNode model = JSON.readTree(get("/v1/models/claude").body());

    assertEquals("model", model.path("type").asText());
    assertEquals("claude", model.path("id").asText());
    assertEquals("claude", model.path("display_name").asText());
    Instant.parse(model.path("created_at").asText());
    assertAnthropicError(get("/v1/models/no-such-model"), 404, "not_found_error");
  }

  @Test
  void models_withoutAnthropicVersion_stayOpenAisShape() throws Exception {
    JsonNode list = JSON.readTree(gateway.get("/v1/models").body());

    assertEquals("list", list.path("object").asText());
    assertEquals("model", list.path("data").get(0).path("object").asText());
  }

  @Test
  void streamFromAnOpenAiUpstream_startsWithThePromptEstimate_andEndsWithTheUpstreamsCount() throws Exception {
    HttpResponse<String> response = gateway.post("/v1/messages", messages("gpt", true));

    assertEquals(200, response.statusCode(), response.body());
    List<Golden.Event> events = Golden.parseEvents(response.body());
    JsonNode start = JSON.readTree(events.get(0).data());
    assertEquals("message_start", start.path("type").asText());
    int estimate = start.path("message").path("usage").path("input_tokens").asInt();
    assertTrue(estimate > 5, "the prompt estimate, not 0: " + events.get(0).data());
    JsonNode delta = events.stream().filter(e -> e.name().equals("message_delta")).map(e -> read(e.data()))
        .findFirst().orElseThrow();
    assertEquals(19, delta.path("usage").path("input_tokens").asInt(), "the upstream's own count, reported last");
  }

  @Test
  void streamFromTheSimulatedProvider_startsWithThePromptEstimateToo() throws Exception {
    HttpResponse<String> response = gateway.post("/v1/messages", messages("sim", true));

    List<Golden.Event> events = Golden.parseEvents(response.body());
    int start = read(events.get(0).data()).path("message").path("usage").path("input_tokens").asInt();
    JsonNode delta = events.stream().filter(e -> e.name().equals("message_delta")).map(e -> read(e.data()))
        .findFirst().orElseThrow();
    assertTrue(start > 5, events.get(0).data());
    assertTrue(delta.path("usage").path("input_tokens").asInt() > 0, delta.toString());
  }

  private HttpResponse<String> get(String path) {
    return gateway.send(gateway.request(path).header("anthropic-version", "2023-06-01").GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new AssertionError(json, e);
    }
  }

  private static void assertAnthropicError(HttpResponse<String> response, int status, String type) throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    JsonNode body = JSON.readTree(response.body());
    assertEquals("error", body.path("type").asText(), response.body());
    assertEquals(type, body.path("error").path("type").asText(), response.body());
  }
}
