package io.switchboard.http.connection;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.switchboard.TestGateway;
import io.switchboard.persistence.TestStores;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that open connections and never finish a request (slowloris) cannot lock others out: a
 * connection that has not completed its request headers within {@code switchboard.http.header-timeout}
 * is closed by the gateway, one kept alive after a response within {@code keep-alive-timeout}, a
 * response that takes longer is never cut, and one client address holding
 * {@code max-connections-per-address} connections has its further ones closed at once while another
 * address is served. Each case runs with HTTP/1.1 only and with h2c on the same port.
 *
 * <p>Every socket is real; the "other client" connects from 127.0.0.2, which Linux routes over loopback
 * like 127.0.0.1, so the gateway sees a second address. Waits for a close are bounded reads.
 */
@Tag("integration")
class SlowClientsTest {
  private static final InetAddress ATTACKER = InetAddress.getLoopbackAddress();
  private static final InetAddress OTHER_CLIENT = address("127.0.0.2");
  private static final Duration CLOSE_WITHIN = Duration.ofSeconds(20);
  private static final String HALF_A_HEADER =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appli";
  /** What an HTTP/2 client with prior knowledge sends first, with no stream after it. */
  private static final String H2_PREFACE = RawH2c.PREFACE;

  /** Timeouts of 1 s, and streams of about 2.5 s: 1 s to the first token, then 15 tokens at 10 a second. */
  private static final String SLOW_STREAMS = """
      switchboard.http { header-timeout = 1s, keep-alive-timeout = 1s }
      switchboard.providers.simulated.simulated { latency = 1s, tokens-per-second = 10, default-completion-tokens = 15 }
      """;
  private static final String STREAM =
      "{\"model\":\"switchboard-sim\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  @TempDir Path dataDir;
  private ActorTestKit testKit;
  private TestGateway gateway;
  private final List<Socket> sockets = new ArrayList<>();

  private void start(boolean http2, String hocon) {
    testKit = new JUnit5TestKitBuilder().withCustomConfig(TestStores.h2(dataDir)).build();
    gateway = TestGateway.start(testKit, "switchboard.http.http2 = " + (http2 ? "on" : "off") + "\n" + hocon);
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket socket : sockets) socket.close();
    if (gateway != null) gateway.close();
    if (testKit != null) testKit.shutdownTestKit();
  }

  @ParameterizedTest(name = "http2 = {0}")
  @ValueSource(booleans = {false, true})
  void connectionsThatNeverFinishTheirHeaders_areClosedAfterTheHeaderTimeout_whileOthersAreServed(boolean http2)
      throws IOException {
    start(http2, """
        switchboard.http.header-timeout = 1s
        """);
    List<Socket> slow = new ArrayList<>();
    for (int i = 0; i < 300; i++) slow.add(open(ATTACKER, i % 10 == 0 && http2 ? H2_PREFACE : HALF_A_HEADER));

    assertTrue(get(OTHER_CLIENT, "/health").startsWith("HTTP/1.1 200"), "another client is served meanwhile");
    for (Socket socket : slow) assertClosedByServer(socket, CLOSE_WITHIN);
    assertTrue(get(ATTACKER, "/health").startsWith("HTTP/1.1 200"), "the address itself is served once it asks properly");
  }

  @ParameterizedTest(name = "http2 = {0}")
  @ValueSource(booleans = {false, true})
  void aResponseLongerThanTheTimeouts_isNotCut_butAKeptAliveConnectionThatStallsIsClosed(boolean http2)
      throws IOException {
    start(http2, SLOW_STREAMS);
    Socket socket = open(ATTACKER, "");
    write(socket, "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + STREAM.length() + "\r\n\r\n" + STREAM);

    String stream = readChunkedResponse(socket);
    assertTrue(stream.startsWith("HTTP/1.1 200"), stream);
    assertTrue(stream.contains("data: [DONE]"), "the whole stream arrived: " + stream);

    write(socket, HALF_A_HEADER);
    assertClosedByServer(socket, CLOSE_WITHIN);
  }

  @Test
  void anH2cStreamLongerThanTheTimeouts_isNotCut_butTheConnectionLeftIdleAfterItIsClosed() throws IOException {
    start(true, SLOW_STREAMS);
    Socket socket = open(ATTACKER, "");
    socket.setSoTimeout((int) CLOSE_WITHIN.toMillis());
    RawH2c h2 = RawH2c.open(socket);
    h2.post(1, "/v1/chat/completions", STREAM);

    String body = h2.readBody(1);
    assertTrue(body.contains("data: [DONE]"), "the whole stream arrived: " + body);
    assertClosedByServer(socket, CLOSE_WITHIN);
  }

  @Test
  void aConnectionUpgradedToH2c_keepsAStreamLongerThanTheTimeouts() throws Exception {
    start(true, SLOW_STREAMS);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();

    HttpResponse<String> upgrade = client.send(HttpRequest.newBuilder(gateway.uri("/health")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(HttpClient.Version.HTTP_2, upgrade.version(), "the client upgraded its connection with h2c");
    HttpResponse<String> stream = client.send(HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(STREAM)).build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(200, stream.statusCode(), stream.body());
    assertEquals(HttpClient.Version.HTTP_2, stream.version(), "the stream went over the upgraded connection");
    assertTrue(stream.body().contains("data: [DONE]"), "the whole stream arrived: " + stream.body());
  }

  @ParameterizedTest(name = "http2 = {0}")
  @ValueSource(booleans = {false, true})
  void anAddressAtItsCap_hasFurtherConnectionsClosedAtOnce_whileAnotherAddressIsServed(boolean http2)
      throws IOException {
    // The header timeout is far beyond the waits below: any close seen here is the cap's.
    start(http2, """
        switchboard.http { header-timeout = 120s, max-connections-per-address = 20 }
        """);
    List<Socket> held = new ArrayList<>();
    for (int i = 0; i < 20; i++) held.add(open(ATTACKER, HALF_A_HEADER));
    for (Socket socket : held) assertStillOpen(socket);

    assertClosedByServer(open(ATTACKER, HALF_A_HEADER), CLOSE_WITHIN);
    assertTrue(get(OTHER_CLIENT, "/health").startsWith("HTTP/1.1 200"), "another address is served");
    for (Socket socket : held) assertStillOpen(socket);

    held.get(0).close();
    Socket admitted = awaitAdmitted(ATTACKER);
    assertStillOpen(admitted);
  }

  private Socket open(InetAddress from, String firstBytes) throws IOException {
    Socket socket = new Socket();
    sockets.add(socket);
    socket.bind(new InetSocketAddress(from, 0));
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gateway.uri("/").getPort()), 5000);
    if (!firstBytes.isEmpty()) write(socket, firstBytes);
    return socket;
  }

  private static void write(Socket socket, String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(US_ASCII));
    socket.getOutputStream().flush();
  }

  /** A GET with {@code Connection: close} from {@code from}, answered in full: status line, headers, body. */
  private String get(InetAddress from, String path) throws IOException {
    Socket socket = open(from, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    socket.setSoTimeout((int) CLOSE_WITHIN.toMillis());
    return new String(socket.getInputStream().readAllBytes(), US_ASCII);
  }

  /** One chunked response, read up to its last chunk, the connection left open. */
  private static String readChunkedResponse(Socket socket) throws IOException {
    socket.setSoTimeout((int) CLOSE_WITHIN.toMillis());
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream read = new ByteArrayOutputStream();
    while (!read.toString(US_ASCII).endsWith("\r\n0\r\n\r\n")) {
      int b = in.read();
      if (b < 0) fail("the connection closed mid-response: " + read.toString(US_ASCII));
      read.write(b);
    }
    return read.toString(US_ASCII);
  }

  /**
   * The server closes {@code socket} within {@code within}: end of stream, or a reset. What it sends
   * before (an HTTP/2 server's SETTINGS frame) is read and dropped.
   */
  private static void assertClosedByServer(Socket socket, Duration within) throws IOException {
    long deadline = System.nanoTime() + within.toNanos();
    try {
      while (true) {
        long left = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
        if (left <= 0) throw new SocketTimeoutException();
        socket.setSoTimeout((int) left);
        if (socket.getInputStream().read() < 0) return;
      }
    } catch (SocketException reset) {
      // closed with a reset: closed all the same
    } catch (SocketTimeoutException open) {
      fail("the connection from " + socket.getLocalSocketAddress() + " is still open after " + within);
    }
  }

  /** Nothing arrives on {@code socket} and it is not closed, for a short look. */
  private static void assertStillOpen(Socket socket) throws IOException {
    socket.setSoTimeout(200);
    assertThrows(SocketTimeoutException.class, () -> socket.getInputStream().read(), "the connection was closed");
  }

  /** A new half-sent connection from {@code from} that the server keeps; the freed slot shows up after the close. */
  private Socket awaitAdmitted(InetAddress from) throws IOException {
    long deadline = System.nanoTime() + CLOSE_WITHIN.toNanos();
    while (System.nanoTime() < deadline) {
      Socket socket = open(from, HALF_A_HEADER);
      socket.setSoTimeout(500);
      try {
        if (socket.getInputStream().read() < 0) continue;
        fail("the server answered a half-sent request");
      } catch (SocketTimeoutException kept) {
        return socket;
      } catch (SocketException reset) {
        // refused: the freed slot is not seen yet
      }
    }
    throw new AssertionError("no connection from " + from + " was admitted after one of its held ones closed");
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
