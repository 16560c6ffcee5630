package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.TestGateway;
import io.switchboard.keys.KeyRequests;
import io.switchboard.persistence.TestStores;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request whose reservation can never fit a limit (here {@code max_tokens: 2147483647}) is refused
 * with 400 naming {@code max_tokens} and the limit, on both ingresses and for a key's own limit; the
 * provider's admission keeps serving the requests around it: the one in flight, the one queued behind
 * it, and the next one.
 */
@Tag("integration")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OversizedReservationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HUGE = "2147483647";

  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();

  @JUnit5TestKit final ActorTestKit testKit;

  OversizedReservationTest(@TempDir Path dataDir) {
    testKit = new JUnit5TestKitBuilder().withCustomConfig(TestStores.h2(dataDir)).build();
  }

  private static String chat(String maxTokens) {
    return "{\"model\":\"chat\",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  }

  private static JsonNode error(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body()).path("error");
  }

  private CompletableFuture<HttpResponse<String>> postAsync(TestGateway gateway, String path, String body) {
    return CompletableFuture.supplyAsync(() -> gateway.post(path, body));
  }

  @Test
  void maxTokensAtIntMax_toATokenLimitedProvider_is400NamingMaxTokens_andTheRequestsAroundItAreServed()
      throws Exception {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    upstream.answer(r -> gate.thenCompose(open -> upstream.documented(r)));
    try (TestGateway gateway = TestGateway.start(testKit, """
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.providers.tpm {
          kind = openai
          openai.base-url = "%s"
          max-in-flight = 1
          limits { tokens-per-minute = 30000, headroom = 0 }
        }
        switchboard.models.chat { provider = tpm, upstream-model = "gpt-4o" }
        """.formatted(upstream.baseUrl()))) {
      // One request holds the only slot, a second waits in the provider's queue behind it.
      CompletableFuture<HttpResponse<String>> inFlight = postAsync(gateway, "/v1/chat/completions", chat("50"));
      awaitStatus(gateway, 1, 0);
      CompletableFuture<HttpResponse<String>> queued = postAsync(gateway, "/v1/chat/completions", chat("50"));
      awaitStatus(gateway, 1, 1);

      HttpResponse<String> huge = gateway.post("/v1/chat/completions", chat(HUGE));
      assertEquals(400, huge.statusCode(), huge.body());
      JsonNode error = error(huge);
      assertEquals("invalid_request_error", error.path("type").asText(), huge.body());
      assertEquals("max_tokens", error.path("param").asText(), huge.body());
      assertTrue(error.path("message").asText().contains("max_tokens"), huge.body());
      assertTrue(error.path("message").asText().contains("30000"), "names the limit: " + huge.body());

      HttpResponse<String> anthropic = gateway.post("/v1/messages", "{\"model\":\"chat\",\"max_tokens\":" + HUGE
          + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
      assertEquals(400, anthropic.statusCode(), anthropic.body());
      JsonNode envelope = JSON.readTree(anthropic.body());
      assertEquals("error", envelope.path("type").asText(), anthropic.body());
      assertEquals("invalid_request_error", envelope.path("error").path("type").asText(), anthropic.body());
      assertTrue(envelope.path("error").path("message").asText().contains("max_tokens"), anthropic.body());

      gate.complete(null);
      assertEquals(200, inFlight.get(20, TimeUnit.SECONDS).statusCode());
      assertEquals(200, queued.get(20, TimeUnit.SECONDS).statusCode());
      HttpResponse<String> next = gateway.post("/v1/chat/completions", chat("50"));
      assertEquals(200, next.statusCode(), next.body());
      assertEquals(3, upstream.received().size(), "the oversized requests never went upstream");
    }
  }

  @Test
  void maxTokensAtIntMax_againstAKeysTokenLimit_is400_andTheKeyIsNotLeftInDebt() throws Exception {
    try (TestGateway gateway = TestGateway.start(testKit, """
        switchboard.auth.mode = keys
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 8 }
        switchboard.models.chat { provider = simulated }
        """)) {
      String key = KeyRequests.createKey(gateway, "{\"name\":\"small\",\"tokens_per_minute\":10000}")
          .path("key").asText();

      HttpResponse<String> huge = KeyRequests.chatWith(gateway, "x-api-key", key, chat(HUGE));
      assertEquals(400, huge.statusCode(), huge.body());
      JsonNode error = error(huge);
      assertEquals("invalid_request_error", error.path("type").asText(), huge.body());
      assertEquals("max_tokens", error.path("param").asText(), huge.body());
      assertTrue(error.path("message").asText().contains("10000"), "names the key's limit: " + huge.body());

      HttpResponse<String> next = KeyRequests.chatWith(gateway, "x-api-key", key, chat("50"));
      assertEquals(200, next.statusCode(), "the key's bucket was not drained: " + next.body());
    }
  }

  /** Waits (polling the actor, no sleep) until the provider has {@code inFlight} running and {@code queued} waiting. */
  private void awaitStatus(TestGateway gateway, int inFlight, int queued) {
    // Generous: the first request loads the tokenizer's tables.
    testKit.createTestProbe().awaitAssert(java.time.Duration.ofSeconds(20), () -> {
      var status = gateway.status("tpm");
      assertEquals(inFlight, status.inFlight());
      assertEquals(queued, status.queued());
      return null;
    });
  }
}
