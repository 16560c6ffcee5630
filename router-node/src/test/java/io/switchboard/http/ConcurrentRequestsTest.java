package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
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
 * Many clients at once through a provider that admits only a few: every request waits its turn in
 * the provider's queue and is answered in full, and every slot is handed back afterwards.
 */
@Tag("integration")
class ConcurrentRequestsTest {
  private static final int PLAIN = 200;
  private static final int STREAMS = 100;

  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  @Test
  void manyConcurrentRequestsAndStreams_areAllServed_throughEightSlots() throws Exception {
    TestGateway gateway = gateways.start("""
        switchboard.providers.simulated {
          max-in-flight = 8
          queue { max-size = 1000, max-wait = 60s }
          simulated { latency = 5ms, tokens-per-second = 0, default-completion-tokens = 16 }
        }
        """);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<CompletableFuture<HttpResponse<String>>> plain = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
    for (int i = 0; i < Math.max(PLAIN, STREAMS); i++) {
      if (i < PLAIN) plain.add(client.sendAsync(request(gateway, i, false), HttpResponse.BodyHandlers.ofString()));
      if (i < STREAMS) streams.add(client.sendAsync(request(gateway, i, true), HttpResponse.BodyHandlers.ofString()));
    }

    for (CompletableFuture<HttpResponse<String>> future : plain) {
      HttpResponse<String> response = future.get(60, TimeUnit.SECONDS);
      assertEquals(200, response.statusCode(), response.body());
      assertTrue(response.body().contains("\"completion_tokens\":16"), response.body());
    }
    for (CompletableFuture<HttpResponse<String>> future : streams) {
      HttpResponse<String> response = future.get(60, TimeUnit.SECONDS);
      assertEquals(200, response.statusCode());
      assertEquals(1 + 16 + 1 + 1, response.body().split("\n\n").length, "every chunk and [DONE] arrived");
      assertTrue(response.body().endsWith("data: [DONE]\n\n"));
    }
    gateways.testKit().createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(0, gateway.status("simulated").inFlight());
      assertEquals(0, gateway.status("simulated").queued());
      return null;
    });
  }

  private static HttpRequest request(TestGateway gateway, int i, boolean stream) {
    return HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"switchboard-sim\",\"stream\":" + stream
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"request " + i + "\"}]}"))
        .build();
  }
}
