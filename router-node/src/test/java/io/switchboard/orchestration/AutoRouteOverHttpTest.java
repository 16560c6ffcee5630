package io.switchboard.orchestration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.FakeUpstream;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Auto routes as a client meets them over HTTP, in both dialects: the model chosen and the reason in the
 * headers, the objective overridden by header or body field (which no upstream sees), fallbacks to another
 * model when the chosen one's context is exceeded or it is rate limited, and the error that names why each
 * candidate was excluded.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AutoRouteOverHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi openAi = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  @BeforeAll
  void start() {
    gateway = gateways.start(RouteCatalog.MODELS + """
        switchboard.provider-defaults { retries.max-attempts = 1, breaker { consecutive-failures = 1000, minimum-calls = 1000 } }
        # 20 ms, not 0: the route weighs latency, and simulated answers within a millisecond made a p50 of 0 ms
        # against 1 ms halve a model's latency score, so timing noise, not the task, chose between small and coder.
        switchboard.providers.simulated.simulated { latency = 20ms, tokens-per-second = 0, default-completion-tokens = 8 }
        # One provider per model on the fake, so a 429's pause holds back only its own.
        switchboard.providers { p-tight { kind = openai, openai.base-url = "%1$s" }
          p-roomy { kind = openai, openai.base-url = "%1$s" }, p-cheap { kind = openai, openai.base-url = "%1$s" } }
        switchboard.models {
          tight { provider = p-tight, upstream-model = tight-1, context-window = 2000, max-output-tokens = 100,
            input-price-per-million = 0.1, output-price-per-million = 0.1, strengths { chat = 0.9 } }
          roomy { provider = p-roomy, upstream-model = roomy-1, context-window = 100000, max-output-tokens = 100,
            input-price-per-million = 5, output-price-per-million = 5 }
          cheap { provider = p-cheap, upstream-model = cheap-1, max-output-tokens = 100 }
        }
        switchboard.routes {
          # context-must-fit off: the gateway's own window check at dispatch is what fails.
          spill { candidates = [tight, roomy], limits.context-must-fit = false,
            fallbacks = [ { when = context-exceeded, model = roomy } ] }
          busy { candidates = [tight, roomy], fallbacks = [ { when = rate-limited } ] }
          thrifty { candidates = [roomy, cheap] }
        }
        """.formatted(openAi.baseUrl()));
  }

  private HttpResponse<String> chat(String body, String... headers) {
    HttpRequest.Builder request = gateway.request("/v1/chat/completions").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) request.header(headers[i], headers[i + 1]);
    return gateway.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String ask(String model, String text) throws Exception {
    return JSON.writeValueAsString(Map.of("model", model, "messages", List.of(Map.of("role", "user", "content", text))));
  }

  private static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElse("(none)");
  }

  @Test
  void aCodeQuestion_andSmallTalk_goToDifferentModels_andTheAnswerSaysWhichAndWhy() throws Exception {
    HttpResponse<String> code = chat(ask("auto", RouteCatalog.CODE_QUESTION));
    HttpResponse<String> talk = chat(ask("auto", RouteCatalog.SMALL_TALK));

    assertEquals(200, code.statusCode(), code.body());
    assertEquals("coder", header(code, "x-switchboard-model"));
    assertEquals("simulated/coder-1", header(code, "x-switchboard-deployment"));
    assertTrue(header(code, "x-switchboard-route-reason").startsWith("task=code(fence:python,fix,bug) lang=en; chose coder ("),
        header(code, "x-switchboard-route-reason"));
    assertEquals("coder-1", JSON.readTree(code.body()).path("model").asText());
    assertEquals(200, talk.statusCode(), talk.body());
    assertEquals("small", header(talk, "x-switchboard-model"));
    assertTrue(header(talk, "x-switchboard-route-reason").startsWith("task=chat lang=en; chose small ("));
  }

  @Test
  void aStreamedAnswer_carriesTheRouteHeadersToo() throws Exception {
    HttpResponse<String> stream = chat("""
        {"model":"auto","stream":true,"messages":[{"role":"user","content":"Please refactor this function"}]}""");

    assertEquals(200, stream.statusCode(), stream.body());
    assertEquals("coder", header(stream, "x-switchboard-model"));
    assertTrue(header(stream, "x-switchboard-route-reason").startsWith("task=code(refactor,function) lang=und; chose coder"),
        header(stream, "x-switchboard-route-reason"));
    assertTrue(stream.body().endsWith("data: [DONE]\n\n"), stream.body());
  }

  @Test
  void aModelNamedDirectly_carriesNoRouteHeaders() throws Exception {
    HttpResponse<String> direct = chat(ask("coder", RouteCatalog.CODE_QUESTION));

    assertEquals(200, direct.statusCode(), direct.body());
    assertTrue(direct.headers().firstValue("x-switchboard-model").isEmpty());
    assertTrue(direct.headers().firstValue("x-switchboard-route-reason").isEmpty());
  }

  @Test
  void theObjectiveHeader_overridesTheRoutes() throws Exception {
    HttpResponse<String> cheapest = chat(ask("auto", RouteCatalog.CODE_QUESTION), "x-switchboard-objective", "cheapest");
    HttpResponse<String> weights = chat(ask("auto", RouteCatalog.CODE_QUESTION), "x-switchboard-objective",
        "cost=0,latency=0,quality=1");
    HttpResponse<String> bad = chat(ask("auto", RouteCatalog.CODE_QUESTION), "x-switchboard-objective", "thrifty");

    assertEquals("small", header(cheapest, "x-switchboard-model"));
    assertEquals("coder", header(weights, "x-switchboard-model"));
    assertEquals(400, bad.statusCode());
    JsonNode error = JSON.readTree(bad.body()).path("error");
    assertEquals("invalid_header", error.path("code").asText());
    assertEquals("x-switchboard-objective", error.path("param").asText());
    assertTrue(error.path("message").asText().contains("got 'thrifty'"), bad.body());
  }

  @Test
  void theObjectiveBodyField_overridesTheRoutes_andNoUpstreamSeesIt() throws Exception {
    HttpResponse<String> routed = chat("""
        {"model":"thrifty","messages":[{"role":"user","content":"Hello"}],"switchboard":{"objective":"cheapest"}}""");
    HttpResponse<String> named = chat("""
        {"model":"cheap-1","switchboard":{"objective":{"quality":1}},"messages":[{"role":"user","content":"Hi"}]}""");

    assertEquals(200, routed.statusCode(), routed.body());
    assertEquals("cheap", header(routed, "x-switchboard-model"));
    assertEquals(404, named.statusCode(), "a model nobody serves, to show the field is stripped all the same");
    List<FakeOpenAi.Received> received = openAi.received();
    assertEquals(1, received.size());
    assertEquals("cheap-1", received.get(0).json().path("model").asText());
    assertFalse(received.get(0).json().has("switchboard"), received.get(0).body().utf8String());
    assertEquals("Hello", received.get(0).json().path("messages").path(0).path("content").asText());

    HttpResponse<String> bad = chat("""
        {"model":"thrifty","messages":[{"role":"user","content":"Hello"}],"switchboard":{"objective":"free"}}""");
    assertEquals(400, bad.statusCode());
    assertEquals("switchboard.objective", JSON.readTree(bad.body()).path("error").path("param").asText());
  }

  @Test
  void aContextExceededByTheChosenModel_fallsBackToTheLongContextModel() throws Exception {
    openAi.answer(r -> r.json().path("model").asText().equals("tight-1")
        ? FakeUpstream.<FakeOpenAi.Received>status(400, """
            {"error":{"message":"This model's maximum context length is 2000 tokens.","type":"invalid_request_error",
             "param":"messages","code":"context_length_exceeded"}}""").apply(r)
        : openAi.documented(r));

    // Small enough for the gateway's own check, too big for the upstream: its 400 sends it on.
    HttpResponse<String> upstreamSaid = chat(ask("spill", "Hello there"));
    // Too big for the gateway's own check on tight (context-must-fit is off, so the scorer kept it).
    HttpResponse<String> gatewaySaw = chat(ask("spill", "lorem ipsum ".repeat(1_000)));

    assertEquals(200, upstreamSaid.statusCode(), upstreamSaid.body());
    assertEquals("roomy", header(upstreamSaid, "x-switchboard-model"));
    assertEquals("p-roomy/roomy-1", header(upstreamSaid, "x-switchboard-deployment"));
    assertTrue(header(upstreamSaid, "x-switchboard-route-reason").endsWith("; tight context-exceeded, fell back to roomy"),
        header(upstreamSaid, "x-switchboard-route-reason"));
    assertEquals(200, gatewaySaw.statusCode(), gatewaySaw.body());
    assertEquals("roomy", header(gatewaySaw, "x-switchboard-model"));
    assertEquals(List.of("tight-1", "roomy-1", "roomy-1"),
        openAi.received().stream().map(r -> r.json().path("model").asText()).toList(),
        "the second request never reached tight");
  }

  @Test
  void aRateLimitedModel_fallsBackToTheNextCandidate() throws Exception {
    openAi.answer(r -> r.json().path("model").asText().equals("tight-1")
        ? FakeUpstream.<FakeOpenAi.Received>status(429, FakeOpenAi.envelope("Rate limit reached", "requests")).apply(r)
        : openAi.documented(r));

    HttpResponse<String> response = chat(ask("busy", "Hello there"));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("roomy", header(response, "x-switchboard-model"));
    assertTrue(header(response, "x-switchboard-route-reason").endsWith("; tight rate-limited, fell back to roomy"),
        header(response, "x-switchboard-route-reason"));
  }

  @Test
  void whenNoCandidateQualifies_theErrorNamesWhyEachWasExcluded_inEitherDialect() throws Exception {
    String tooLong = "lorem ipsum ".repeat(300_000);
    HttpResponse<String> openAiStyle = chat(ask("auto", tooLong.substring(0, 1_000_000)));

    assertEquals(400, openAiStyle.statusCode(), openAiStyle.body());
    JsonNode error = JSON.readTree(openAiStyle.body()).path("error");
    assertEquals("no_model_qualifies", error.path("code").asText());
    assertEquals("model", error.path("param").asText());
    assertTrue(error.path("message").asText().contains("small (context 251031>8192); coder (context 254103>32768);"
        + " long (context 254103>200000)"), error.path("message").asText());

    HttpResponse<String> anthropicStyle = messages(JSON.writeValueAsString(Map.of("model", "auto", "max_tokens", 64,
        "messages", List.of(Map.of("role", "user", "content", tooLong.substring(0, 1_000_000))))));
    assertEquals(400, anthropicStyle.statusCode(), anthropicStyle.body());
    JsonNode envelope = JSON.readTree(anthropicStyle.body());
    assertEquals("error", envelope.path("type").asText());
    assertEquals("invalid_request_error", envelope.path("error").path("type").asText());
    assertTrue(envelope.path("error").path("message").asText().startsWith("No model of route 'auto' qualifies"));
  }

  @Test
  void theAnthropicIngress_routesTheSameWay() throws Exception {
    HttpResponse<String> response = messages(JSON.writeValueAsString(Map.of("model", "auto", "max_tokens", 64,
        "messages", List.of(Map.of("role", "user", "content", RouteCatalog.CODE_QUESTION)),
        "switchboard", Map.of("objective", "best"))));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("coder", header(response, "x-switchboard-model"));
    assertTrue(header(response, "x-switchboard-route-reason").startsWith("task=code(fence:python,fix,bug)"));
    JsonNode message = JSON.readTree(response.body());
    assertEquals("message", message.path("type").asText());
    assertEquals("coder-1", message.path("model").asText(), "translated from the chosen model's answer");
  }

  @Test
  void theUsageLedger_namesTheChosenModel() throws Exception {
    chat(ask("auto", RouteCatalog.SMALL_TALK));

    JsonNode rows = JSON.readTree(gateway.get("/admin/usage?group_by=model").body()).path("data");
    assertTrue(rows.toString().contains("\"small\""), rows.toString());
    assertFalse(rows.toString().contains("\"auto\""), rows.toString());
  }

  private HttpResponse<String> messages(String body) {
    return gateway.send(gateway.request("/v1/messages").header("Content-Type", "application/json")
        .header("anthropic-version", "2023-06-01").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
