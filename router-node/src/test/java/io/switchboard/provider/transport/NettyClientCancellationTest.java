package io.switchboard.provider.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With {@code connection-pool.client = netty}, a client that leaves while the upstream has not even
 * sent its response headers takes the upstream call with it: the upstream sees its connection closed
 * at once, long before {@code timeouts.first-byte} (with Pekko's pool it would run on until its headers
 * came), and the call is neither retried nor sent to a fallback.
 */
@Tag("integration")
class NettyClientCancellationTest {
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private static TestGateway gateway(SocketUpstream primary, SocketUpstream secondary) {
    return gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.provider-defaults {
          connection-pool.client = netty
          retries { max-attempts = 3, base-delay = 10ms, max-delay = 20ms }
          breaker { consecutive-failures = 100 }
          timeouts { first-byte = 60s, total = 60s, stream-idle = 60s }
        }
        switchboard.providers.primary { kind = openai, openai.base-url = "%s/v1" }
        switchboard.providers.secondary { kind = openai, openai.base-url = "%s/v1" }
        switchboard.models.chat.deployments = [
          { provider = primary, upstream-model = "gpt-4o" },
          { provider = secondary, upstream-model = "gpt-4o-mini" }
        ]
        """.formatted(primary.baseUrl(), secondary.baseUrl()));
  }

  /** Sends {@code body} to {@code path} on a connection of its own, which the test closes to leave. */
  private static Socket send(TestGateway gateway, String path, String body) throws Exception {
    URI uri = gateway.uri(path);
    Socket socket = new Socket(uri.getHost(), uri.getPort());
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    OutputStream out = socket.getOutputStream();
    out.write(("POST " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.flush();
    return socket;
  }

  private void leaveBeforeTheHeaders(String path, String body) throws Exception {
    try (SocketUpstream primary = new SocketUpstream(SocketUpstream.silence());
        SocketUpstream secondary = new SocketUpstream(SocketUpstream.silence());
        TestGateway gateway = gateway(primary, secondary)) {
      Socket client = send(gateway, path, body);
      primary.nextRequest();

      client.close();

      primary.awaitClosedByClient(); // within 10 s, where first-byte would have waited 60 s
      TestProbe<Object> probe = gateways.testKit().createTestProbe();
      probe.awaitAssert(Duration.ofSeconds(10), () -> {
        assertEquals(0, gateway.status("primary").inFlight(), "the provider's slot handed back");
        return null;
      });
      assertNull(primary.arrived(), "no retry after the client left");
      assertEquals(0, secondary.connectionsAccepted(), "no fallback after the client left");
    }
  }

  @Test
  void aClientLeavingAPlainCallBeforeTheUpstreamsHeaders_closesTheUpstreamConnection() throws Exception {
    leaveBeforeTheHeaders("/v1/chat/completions",
        "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
  }

  @Test
  void aClientLeavingAStreamBeforeTheUpstreamsHeaders_closesTheUpstreamConnection() throws Exception {
    leaveBeforeTheHeaders("/v1/chat/completions",
        "{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
  }

  @Test
  void anAnthropicClientLeavingBeforeTheUpstreamsHeaders_closesTheUpstreamConnection_too() throws Exception {
    leaveBeforeTheHeaders("/v1/messages",
        "{\"model\":\"chat\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
  }
}
