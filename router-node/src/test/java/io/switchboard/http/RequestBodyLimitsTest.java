package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.TestGateway;
import io.switchboard.persistence.TestStores;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One body limit and one body timeout on every route that reads a body, {@code /v1} and {@code /admin}
 * alike, answered as documented in the caller's dialect: 413 {@code request_too_large} past
 * {@code switchboard.http.max-request-body} (whatever Pekko's parser default is), 408 for a body that
 * stops arriving. The raw socket lets the test declare a length it never sends and leave a chunked
 * body unfinished, as a careless or hostile client would.
 */
@Tag("integration")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestBodyLimitsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Above Pekko's own default parser limit (8m), so the test shows which limit rules. */
  private static final long LIMIT = 12L * 1024 * 1024;

  @JUnit5TestKit final ActorTestKit testKit;
  private TestGateway gateway;

  RequestBodyLimitsTest(@TempDir Path dataDir) {
    testKit = new JUnit5TestKitBuilder().withCustomConfig(TestStores.h2(dataDir)).build();
  }

  @BeforeAll
  void start() {
    gateway = TestGateway.start(testKit, """
        switchboard.http { max-request-body = 12 MiB, request-body-timeout = 1s }
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 4 }
        """);
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  @Test
  void bodyUnderTheConfiguredLimit_isServed_evenAbovePekkosDefaultLimit() {
    String padding = "x".repeat(9 * 1024 * 1024);
    HttpResponse<String> response = gateway.post("/v1/chat/completions", "{\"model\":\"switchboard-sim\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"user\":\"" + padding + "\"}");

    assertEquals(200, response.statusCode(), response.body());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/chat/completions", "/v1/messages", "/admin/keys"})
  void declaredLengthOverTheLimit_is413InTheCallersDialect(String path) throws Exception {
    Answer answer = exchange(path, "Content-Length: " + (50L * 1024 * 1024) + "\r\nExpect: 100-continue\r\n", "");

    assertEquals(413, answer.status(), answer.body());
    String message = assertEnvelope(path, answer, "request_too_large");
    assertTrue(message.contains(Long.toString(LIMIT)), "names the real limit: " + message);
    assertTrue(message.contains("max-request-body"), "names the setting: " + message);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/chat/completions", "/v1/messages", "/admin/keys"})
  void chunkedBodyThatNeverEnds_is408InTheCallersDialect(String path) throws Exception {
    Answer answer = exchangeAllowingReset(path, "Transfer-Encoding: chunked\r\n", "5\r\n{\"mod\r\n");

    assertEquals(408, answer.status(), answer.body());
    String message = assertEnvelope(path, answer, path.equals("/v1/messages") ? "invalid_request_error" : null);
    assertTrue(message.contains("request-body-timeout"), message);
  }

  /** The body is the caller's envelope (OpenAI's, Anthropic's on /v1/messages); returns its message. */
  private static String assertEnvelope(String path, Answer answer, String type) throws IOException {
    JsonNode body = JSON.readTree(answer.body());
    String message;
    if (path.equals("/v1/messages")) {
      assertEquals("error", body.path("type").asText(), answer.body());
      assertEquals(type, body.path("error").path("type").asText(), answer.body());
      message = body.path("error").path("message").asText();
    } else {
      assertEquals("invalid_request_error", body.path("error").path("type").asText(), answer.body());
      if (type != null) assertEquals(type, body.path("error").path("code").asText(), answer.body());
      message = body.path("error").path("message").asText();
    }
    String lower = answer.body().toLowerCase(Locale.ROOT);
    assertFalse(lower.contains("exception") || lower.contains("pekko") || lower.contains("rejection"),
        "the HTTP library's own text reached the client: " + answer.body());
    return message;
  }

  private record Answer(int status, String body) {}

  /**
   * As {@link #exchange}, once more when the connection was reset before any answer came. Pekko closes a
   * connection whose request body it stopped reading; on a loaded machine that close now and then
   * overtakes the answer (seen once in about twenty tries, before this change as after). A second try
   * still shows the behaviour under test: an answer in about a second rather than none for minutes.
   */
  private Answer exchangeAllowingReset(String path, String headers, String bodyStart) throws IOException {
    try {
      return exchange(path, headers, bodyStart);
    } catch (java.net.SocketException reset) {
      return exchange(path, headers, bodyStart);
    }
  }

  /** Sends a POST's head (with the admin key) and {@code bodyStart}, then reads the one answer. */
  private Answer exchange(String path, String headers, String bodyStart) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", gateway.uri("/").getPort())) {
      socket.setSoTimeout(15_000);
      String head = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
          + "Authorization: Bearer " + TestGateway.ADMIN_KEY + "\r\n" + headers + "\r\n";
      socket.getOutputStream().write((head + bodyStart).getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      return read(socket.getInputStream());
    }
  }

  private static Answer read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) throw new IOException("connection closed before the answer's head: " + head);
      head.write(b);
    }
    String[] lines = head.toString(StandardCharsets.US_ASCII).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    int length = 0;
    for (String line : lines) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
    }
    return new Answer(status, new String(in.readNBytes(length), StandardCharsets.UTF_8));
  }
}
