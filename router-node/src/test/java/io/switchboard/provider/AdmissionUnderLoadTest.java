package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.openai.FakeOpenAi;
import io.switchboard.provider.openai.LimitEnforcingUpstream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three times more concurrent load than an upstream allows, through the gateway configured with the
 * upstream's limits: the upstream, which enforces its own limits and counts, never sees them exceeded
 * and answers no 429; the clients get their answers as capacity frees, or a clean 429 in the OpenAI
 * envelope with Retry-After when their deadline cannot be met.
 *
 * <p>Real time, a few seconds: the upstream's limit is a real-time one. Its arithmetic is its own,
 * not the gateway's.
 */
@Tag("integration")
class AdmissionUnderLoadTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway(String provider, String limits) {
    return gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.providers.%s {
          kind = openai
          openai.base-url = "%s"
          max-in-flight = 500
          limits { %s }
        }
        switchboard.models.chat { provider = %s, upstream-model = "gpt-4o" }
        %s
        """.formatted(provider, upstream.baseUrl(), limits, provider, client()));
  }

  /** The upstream client's setting: none here (Netty, the default); a subclass runs all on Pekko's host pool. */
  String client() {
    return "";
  }

  /** {@code count} concurrent requests, each allowed to wait {@code maxWait} for admission. */
  private List<HttpResponse<String>> load(TestGateway gateway, int count, int maxTokens, Duration maxWait)
      throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String body = "{\"model\":\"chat\",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":"
        + "\"Summarise the causes of the French Revolution in three short sentences for a school pupil.\"}]}";
    List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      futures.add(client.sendAsync(HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
          .header("Content-Type", "application/json")
          .header("x-switchboard-max-wait", maxWait.toMillis() + "ms")
          .POST(HttpRequest.BodyPublishers.ofString(body))
          .build(), HttpResponse.BodyHandlers.ofString()));
    }
    List<HttpResponse<String>> responses = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> f : futures) responses.add(f.get(60, TimeUnit.SECONDS));
    return responses;
  }

  /** Every answer is a success or a clean 429 saying which limit and when to retry. */
  private static int successes(List<HttpResponse<String>> responses) throws Exception {
    int ok = 0;
    for (HttpResponse<String> r : responses) {
      if (r.statusCode() == 200) {
        ok++;
        continue;
      }
      assertEquals(429, r.statusCode(), r.body());
      JsonNode error = JSON.readTree(r.body()).path("error");
      assertEquals("rate_limit_error", error.path("type").asText());
      assertEquals("rate_limit_exceeded", error.path("code").asText());
      assertTrue(error.path("message").asText().contains("per minute"), error.path("message").asText());
      assertTrue(Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow()) >= 1);
    }
    return ok;
  }

  @Test
  void requestsPerMinute_threeTimesOverTheLimit_neverReachTheUpstreamOverItsLimit() throws Exception {
    LimitEnforcingUpstream limited = new LimitEnforcingUpstream(60, 0);
    upstream.answer(limited);
    TestGateway gateway = gateway("rpm", "requests-per-minute = 60");
    List<HttpResponse<String>> responses = load(gateway, 180, 16, Duration.ofMillis(2_500));

    assertEquals(0, limited.rejected(), "the upstream never had to answer 429");
    int ok = successes(responses);
    assertEquals(ok, limited.served());
    assertTrue(ok >= 57, "the whole burst, less the 5% headroom, was served: " + ok);
    assertTrue(ok > 57, "and requests that waited were served as the bucket refilled: " + ok);
    assertTrue(ok <= 60 + limited.elapsedSeconds() + 1, ok + " in " + limited.elapsedSeconds() + " s");
  }

  @Test
  void tokensPerMinute_threeTimesOverTheLimit_neverReachTheUpstreamOverItsLimit() throws Exception {
    // 30,000 tokens a minute (500 a second); each request reserves its prompt and 1,000 output tokens.
    LimitEnforcingUpstream limited = new LimitEnforcingUpstream(0, 30_000);
    upstream.answer(limited);
    TestGateway gateway = gateway("tpm", "tokens-per-minute = 30000");
    List<HttpResponse<String>> responses = load(gateway, 90, 1_000, Duration.ofMillis(2_500));

    assertEquals(0, limited.rejected(), "the upstream never had to answer 429");
    int ok = successes(responses);
    assertEquals(ok, limited.served());
    assertTrue(ok >= 25, "the 30,000-token burst, less headroom, was used: " + ok);
  }
}
