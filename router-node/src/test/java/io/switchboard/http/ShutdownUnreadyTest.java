package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * On shutdown (a SIGTERM), {@code /ready} turns 503 while the port still serves for
 * {@code switchboard.http.shutdown-unready}: a load balancer that polls {@code /ready} stops sending
 * before the port closes, and a request that arrives meanwhile is answered, not refused, with
 * {@code Connection: close} so that its client does not reuse the connection into the unbind.
 */
@Tag("integration")
class ShutdownUnreadyTest {
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private static final String CHAT = "{\"model\":\"switchboard-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @Test
  void onShutdown_readyTurns503_whileThePortStillServes_andThenItCloses() throws Exception {
    // Within Pekko's default phase timeout (5 s), which a test gateway keeps; a node sets the phase's own.
    TestGateway gateway = gateways.start("switchboard.http.shutdown-unready = 4s");
    assertEquals(200, gateway.get("/ready").statusCode());

    CompletableFuture<Void> stopped = CompletableFuture.runAsync(gateways::shutdown);

    awaitStatus(gateway, 503);
    // On a new connection, as a new client or a load balancer opening one would: the port still accepts.
    HttpResponse<String> served = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(gateway.uri("/v1/chat/completions")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, served.statusCode(), "a request arriving while the node is unready is still served: "
        + served.body());
    assertTrue(served.body().contains("chat.completion"), served.body());
    assertEquals("close", served.headers().firstValue("connection").orElse(""),
        "answers during the unready period close their connection, so clients do not reuse it into the unbind");

    stopped.get(60, TimeUnit.SECONDS);
    assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", gateway.uri("/").getPort()).close(),
        "once the node has stopped, its port is closed");
  }

  private static void awaitStatus(TestGateway gateway, int status) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    int last = -1;
    while (System.nanoTime() < deadline) {
      last = gateway.get("/ready").statusCode();
      if (last == status) return;
      Thread.onSpinWait();
    }
    throw new AssertionError("/ready answered " + last + ", not " + status + ", within 10 s of the shutdown");
  }
}
