package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.FakeUpstream.Answer;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a client sees when upstreams fail: retryable failures are retried with backoff (Retry-After
 * honoured), others are not; a model with several deployments falls back to the next one, and the
 * response names the deployment that served it; an open breaker sends requests elsewhere at once or
 * answers 503; a prompt too long for a deployment skips it; one failing provider does not hold up
 * another's requests.
 */
@Tag("integration")
class RetriesAndFallbacksTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi primary = new FakeOpenAi();
  @RegisterExtension static final FakeOpenAi secondary = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  /** Two OpenAI providers; model {@code chat} is served by primary, falling back to secondary. */
  private TestGateway gateway(String extra) {
    return gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.provider-defaults {
          retries { max-attempts = 3, base-delay = 10ms, max-delay = 50ms }
          breaker { consecutive-failures = 100 }
        }
        switchboard.providers.primary { kind = openai, openai.base-url = "%s" }
        switchboard.providers.secondary { kind = openai, openai.base-url = "%s" }
        switchboard.models.chat.deployments = [
          { provider = primary, upstream-model = "gpt-4o" },
          { provider = secondary, upstream-model = "gpt-4o-mini" }
        ]
        switchboard.models.only-primary { provider = primary, upstream-model = "gpt-4o" }
        %s
        """.formatted(primary.baseUrl(), secondary.baseUrl(), extra));
  }

  private static String body(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  }

  /** Answers with {@code first} for the first {@code times} requests, then as OpenAI documents. */
  private static Answer<FakeOpenAi.Received> firstThen(FakeOpenAi fake, int times, Answer<FakeOpenAi.Received> first) {
    AtomicInteger n = new AtomicInteger();
    return r -> n.getAndIncrement() < times ? first.apply(r) : fake.documented(r);
  }

  private static final Answer<FakeOpenAi.Received> SERVER_ERROR =
      FakeOpenAi.status(500, FakeOpenAi.envelope("The server had an error", "server_error"));

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  @Test
  void upstream5xx_isRetried_andTheClientGetsTheAnswer() throws Exception {
    primary.answer(firstThen(primary, 2, SERVER_ERROR));
    TestGateway gateway = gateway("");
    HttpResponse<String> response = gateway.post("/v1/chat/completions", body("only-primary", false));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals(3, primary.received().size(), "two failures, then the retry that succeeded");
    assertEquals("primary/gpt-4o", response.headers().firstValue("x-switchboard-deployment").orElseThrow());
  }

  @Test
  void upstream400_isNeitherRetriedNorSentToTheFallback() throws Exception {
    primary.answer(FakeOpenAi.status(400, FakeOpenAi.envelope("Invalid 'messages'", "invalid_request_error")));
    TestGateway gateway = gateway("");
    HttpResponse<String> response = gateway.post("/v1/chat/completions", body("chat", false));

    assertEquals(400, response.statusCode());
    assertEquals("Invalid 'messages'", json(response).path("error").path("message").asText());
    assertEquals(1, primary.received().size());
    assertEquals(0, secondary.received().size());
  }

  @Test
  void upstreamRetryAfterOfYears_pausesTheProviderForMaxPause_asAdminProvidersShows() throws Exception {
    primary.answer(FakeOpenAi.status(429, FakeOpenAi.envelope("Rate limit reached", "requests"),
        RawHeader.create("Retry-After", "99999999")));
    try (TestGateway gateway = gateway("switchboard.providers.primary.limits.max-pause = 2m")) {
      long before = System.currentTimeMillis();
      java.net.http.HttpResponse<String> limited = gateway.post("/v1/chat/completions", body("only-primary", false));
      assertEquals(429, limited.statusCode());
      assertEquals("120", limited.headers().firstValue("Retry-After").orElse(null),
          "the client is told to wait max-pause at most, not the upstream's years");

      JsonNode primaryStatus = null;
      JsonNode secondaryStatus = null;
      for (JsonNode p : json(gateway.get("/admin/providers")).path("providers")) {
        if (p.path("provider").asText().equals("primary")) primaryStatus = p;
        if (p.path("provider").asText().equals("secondary")) secondaryStatus = p;
      }
      long remaining = primaryStatus.path("pauseRemainingMillis").asLong();
      assertTrue(remaining > 0 && remaining <= 120_000, "paused for at most max-pause: " + remaining + " ms");
      java.time.Instant until = java.time.Instant.parse(primaryStatus.path("pausedUntil").asText());
      assertTrue(until.toEpochMilli() > before && until.toEpochMilli() <= System.currentTimeMillis() + 120_000,
          "paused until " + until);
      assertEquals(until.toEpochMilli(), primaryStatus.path("pausedUntilEpochMillis").asLong());
      assertTrue(secondaryStatus.path("pausedUntil").isNull(), secondaryStatus.toString());
      assertEquals(0, secondaryStatus.path("pauseRemainingMillis").asLong());
    }
  }

  @Test
  void upstream429_isRetriedAfterTheUpstreamsRetryAfter() throws Exception {
    List<Long> arrivals = new CopyOnWriteArrayList<>();
    Answer<FakeOpenAi.Received> limited = FakeOpenAi.status(429,
        FakeOpenAi.envelope("Rate limit reached", "requests"), RawHeader.create("retry-after-ms", "400"));
    AtomicInteger n = new AtomicInteger();
    primary.answer(r -> {
      arrivals.add(System.nanoTime());
      return n.getAndIncrement() == 0 ? limited.apply(r) : primary.documented(r);
    });
    TestGateway gateway = gateway("");
    HttpResponse<String> response = gateway.post("/v1/chat/completions", body("only-primary", false));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals(2, arrivals.size());
    long gapMillis = (arrivals.get(1) - arrivals.get(0)) / 1_000_000;
    assertTrue(gapMillis >= 400, "the retry waited for retry-after-ms (400), not the 10 ms backoff: " + gapMillis);
  }

  @Test
  void retriesExhausted_fallBackToTheNextDeployment_whichTheResponseNames() throws Exception {
    primary.answer(SERVER_ERROR);
    TestGateway gateway = gateway("");
    HttpResponse<String> response = gateway.post("/v1/chat/completions", body("chat", false));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("secondary/gpt-4o-mini", response.headers().firstValue("x-switchboard-deployment").orElseThrow());
    assertEquals(3, primary.received().size(), "max-attempts at the primary");
    assertEquals("gpt-4o-mini", secondary.received().get(0).json().path("model").asText());
  }

  @Test
  void retriesExhausted_withoutFallback_answerTheLastUpstreamError() throws Exception {
    primary.answer(SERVER_ERROR);
    TestGateway gateway = gateway("");
    HttpResponse<String> response = gateway.post("/v1/chat/completions", body("only-primary", false));

    assertEquals(502, response.statusCode());
    assertEquals("upstream_http_500", json(response).path("error").path("code").asText());
    assertTrue(json(response).path("error").path("message").asText().contains("The server had an error"));
  }

  @Test
  void streamFailingBeforeItsFirstEvent_isServedByTheFallback() throws Exception {
    primary.answer(SERVER_ERROR);
    TestGateway gateway = gateway("switchboard.provider-defaults.retries.max-attempts = 1");
    HttpResponse<String> response = gateway.post("/v1/chat/completions", body("chat", true));

    assertEquals(200, response.statusCode());
    assertEquals("secondary/gpt-4o-mini", response.headers().firstValue("x-switchboard-deployment").orElseThrow());
    assertTrue(response.body().contains("\"content\":\"Hello\""), response.body());
    assertTrue(response.body().endsWith("data: [DONE]\n\n"));
  }

  @Test
  void openBreaker_sendsRequestsStraightToTheFallback_andWithoutOneAnswers503() throws Exception {
    primary.answer(SERVER_ERROR);
    // Its own provider id: breaker state is persisted, and other tests use 'primary'.
    TestGateway gateway = gateway("""
        switchboard.providers.tripping {
          kind = openai
          openai.base-url = "%s"
          retries.max-attempts = 1
          breaker { consecutive-failures = 2, reset-timeout = 1m, max-reset-timeout = 1m }
        }
        switchboard.models.guarded.deployments = [
          { provider = tripping, upstream-model = "gpt-4o" },
          { provider = secondary, upstream-model = "gpt-4o-mini" }
        ]
        switchboard.models.only-tripping { provider = tripping, upstream-model = "gpt-4o" }
        """.formatted(primary.baseUrl()));
    gateway.post("/v1/chat/completions", body("guarded", false));
    gateway.post("/v1/chat/completions", body("guarded", false));
    assertEquals("open", gateway.status("tripping").modelBreaker("gpt-4o"));
    int before = primary.received().size();

    HttpResponse<String> fellBack = gateway.post("/v1/chat/completions", body("guarded", false));
    assertEquals(200, fellBack.statusCode());
    assertEquals("secondary/gpt-4o-mini", fellBack.headers().firstValue("x-switchboard-deployment").orElseThrow());
    assertEquals(before, primary.received().size(), "an open breaker does not call the provider");

    HttpResponse<String> unavailable = gateway.post("/v1/chat/completions", body("only-tripping", false));
    assertEquals(503, unavailable.statusCode());
    assertEquals("provider_unavailable", json(unavailable).path("error").path("code").asText());
    long retryAfter = Long.parseLong(unavailable.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retryAfter > 0 && retryAfter <= 60, "Retry-After " + retryAfter);

    JsonNode providers = json(gateway.get("/admin/providers")).path("providers");
    JsonNode tripping = null;
    for (JsonNode p : providers) if (p.path("provider").asText().equals("tripping")) tripping = p;
    assertEquals("closed", tripping.path("breaker").asText(), "5xx answers count against the model, not the provider");
    assertEquals("open", tripping.path("modelBreakers").path("gpt-4o").path("state").asText());
    assertEquals(1, tripping.path("modelBreakers").path("gpt-4o").path("transitions").path("open").asInt());
    assertEquals(0, tripping.path("inFlight").asInt());
  }

  @Test
  void promptTooLongForADeployment_skipsIt_andTooLongForAll_is400WithoutAnUpstreamCall() throws Exception {
    String longPrompt = "word ".repeat(400);
    String request = "{\"model\":\"%s\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"" + longPrompt + "\"}]}";
    TestGateway gateway = gateway("""
        switchboard.models.chat.deployments = [
          { provider = primary, upstream-model = "gpt-4o", context-window = 200 },
          { provider = secondary, upstream-model = "gpt-4o-mini", context-window = 128000 }
        ]
        switchboard.models.only-primary.context-window = 200
        """);
    HttpResponse<String> skipped = gateway.post("/v1/chat/completions", request.formatted("chat"));
    assertEquals(200, skipped.statusCode(), skipped.body());
    assertEquals("secondary/gpt-4o-mini", skipped.headers().firstValue("x-switchboard-deployment").orElseThrow());

    HttpResponse<String> rejected = gateway.post("/v1/chat/completions", request.formatted("only-primary"));
    assertEquals(400, rejected.statusCode());
    assertEquals("context_length_exceeded", json(rejected).path("error").path("code").asText());
    assertTrue(json(rejected).path("error").path("message").asText().contains("200-token context window"));
    assertEquals(0, primary.received().size());
  }

  @Test
  void aHangingProvider_doesNotHoldUpAnotherProvidersRequests() throws Exception {
    primary.answer(FakeOpenAi.silence());
    TestGateway gateway = gateway("""
        switchboard.providers.primary { max-in-flight = 4, timeouts.first-byte = 30s }
        switchboard.models.secondary-only { provider = secondary, upstream-model = "gpt-4o-mini" }
        """);
    List<CompletableFuture<HttpResponse<String>>> hanging = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      hanging.add(CompletableFuture.supplyAsync(() -> gateway.post("/v1/chat/completions", body("only-primary", false))));
    }
    gateways.testKit().createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
      assertEquals(4, gateway.status("primary").inFlight());
      return null;
    });

    for (int i = 0; i < 20; i++) {
      HttpResponse<String> response = gateway.post("/v1/chat/completions", body("secondary-only", false));
      assertEquals(200, response.statusCode(), response.body());
    }
    assertTrue(hanging.stream().noneMatch(CompletableFuture::isDone), "the primary's requests are still waiting");
    hanging.forEach(f -> f.cancel(true));
  }

  @Test
  void invalidMaxWaitHeader_is400() throws Exception {
    TestGateway gateway = gateway("");
    var request = java.net.http.HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
        .header("Content-Type", "application/json")
        .header("x-switchboard-max-wait", "soon")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body("chat", false)))
        .build();
    HttpResponse<String> response = gateway.send(request, HttpResponse.BodyHandlers.ofString());
    assertEquals(400, response.statusCode());
    assertEquals("x-switchboard-max-wait", json(response).path("error").path("param").asText());
  }
}
