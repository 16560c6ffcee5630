package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.openai.FakeOpenAi;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that leaves takes its upstream call with it: the upstream connection is closed, the call is
 * neither retried nor sent to a fallback, and the provider's slot is handed back, long before any
 * upstream timeout would have ended the call.
 */
@Tag("integration")
class ClientCancellationTest {
  @RegisterExtension static final FakeOpenAi primary = new FakeOpenAi();
  @RegisterExtension static final FakeOpenAi secondary = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  /** Timeouts far longer than the test waits: only the client's leaving can end the call in time. */
  private TestGateway gateway() {
    return gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.provider-defaults {
          retries { max-attempts = 3, base-delay = 10ms, max-delay = 20ms }
          breaker { consecutive-failures = 100 }
          timeouts { first-byte = 60s, total = 60s, stream-idle = 60s }
        }
        switchboard.providers.primary { kind = openai, openai.base-url = "%s" }
        switchboard.providers.secondary { kind = openai, openai.base-url = "%s" }
        switchboard.models.chat.deployments = [
          { provider = primary, upstream-model = "gpt-4o" },
          { provider = secondary, upstream-model = "gpt-4o-mini" }
        ]
        %s
        """.formatted(primary.baseUrl(), secondary.baseUrl(), client()));
  }

  /** The upstream client's setting: none here (Netty, the default); a subclass runs all on Pekko's host pool. */
  String client() {
    return "";
  }

  /** Sends {@code body} as an HTTP/1.1 request on its own connection, which the caller closes to leave. */
  private static Socket send(TestGateway gateway, String body) throws Exception {
    return send(gateway, body, "");
  }

  private static Socket send(TestGateway gateway, String body, String headers) throws Exception {
    return send(gateway, "/v1/chat/completions", body, headers);
  }

  private static Socket send(TestGateway gateway, String path, String body, String headers) throws Exception {
    URI uri = gateway.uri(path);
    Socket socket = new Socket(uri.getHost(), uri.getPort());
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    OutputStream out = socket.getOutputStream();
    out.write(("POST " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nContent-Type: application/json\r\n"
        + headers + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.flush();
    return socket;
  }

  private void awaitCalls(int calls) {
    TestProbe<Object> probe = gateways.testKit().createTestProbe();
    probe.awaitAssert(Duration.ofSeconds(10), () -> {
      assertEquals(calls, primary.received().size());
      return null;
    });
  }

  private void awaitSlotFree(TestGateway gateway) {
    TestProbe<Object> probe = gateways.testKit().createTestProbe();
    probe.awaitAssert(Duration.ofSeconds(10), () -> {
      assertEquals(0, gateway.status("primary").inFlight(), "the provider's slot handed back");
      return null;
    });
  }

  @Test
  void aClientLeavingASlowPlainCall_closesTheUpstreamConnection_andNothingIsRetried() throws Exception {
    primary.answer(primary.slowBody());
    try (TestGateway gateway = gateway()) {
      Socket client = send(gateway, RequestDeadlineTest.body("chat", false));
      awaitCalls(1);

      client.close();

      primary.streamEnded().get(10, TimeUnit.SECONDS); // the upstream saw its connection closed
      awaitSlotFree(gateway);
      assertEquals(1, primary.received().size(), "no retry after the client left");
      assertEquals(0, secondary.received().size(), "no fallback after the client left");
    }
  }

  @Test
  void aClientLeavingBeforeTheFirstEvent_closesTheUpstreamConnection_andNothingIsRetried() throws Exception {
    primary.answer(primary.slowBody());
    try (TestGateway gateway = gateway()) {
      Socket client = send(gateway, RequestDeadlineTest.body("chat", true));
      awaitCalls(1);

      client.close();

      primary.streamEnded().get(10, TimeUnit.SECONDS);
      awaitSlotFree(gateway);
      assertEquals(1, primary.received().size());
      assertEquals(0, secondary.received().size());
    }
  }

  @Test
  void anAnthropicClientLeaving_closesTheUpstreamConnection_too() throws Exception {
    primary.answer(primary.slowBody());
    try (TestGateway gateway = gateway()) {
      Socket client = send(gateway, "/v1/messages",
          "{\"model\":\"chat\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", "");
      awaitCalls(1);

      client.close();

      primary.streamEnded().get(10, TimeUnit.SECONDS);
      awaitSlotFree(gateway);
      assertEquals(1, primary.received().size());
      assertEquals(0, secondary.received().size());
    }
  }

  @Test
  void aRequestThatClosesItsConnection_isStillServed() throws Exception {
    try (TestGateway gateway = gateway();
        Socket client = send(gateway, RequestDeadlineTest.body("chat", false), "Connection: close\r\n")) {
      String response = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

      assertTrue(response.startsWith("HTTP/1.1 200"), response);
      assertTrue(response.contains(FakeOpenAi.CONTENT), response);
    }
  }
}
