package io.switchboard.http;

import static io.switchboard.keys.KeyRequests.createKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.TestGateway;
import io.switchboard.persistence.TestStores;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * An {@code Authorization} header that is not exactly {@code Bearer <key>} (two tokens, a trailing
 * comma, words after the key) is refused with 401 in the dialect of the route called, saying what is
 * wrong with the header, and the key in it reaches no log line: not Switchboard's, and not the warning
 * Pekko HTTP's header parser would write about a header it cannot parse.
 */
@Tag("integration")
class MalformedAuthorizationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN_KEY = "admin-marker-3f9c2e71b5d04a86";
  private static final String CHAT_BODY = "{\"model\":\"switchboard-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  private static final String MESSAGES_BODY = "{\"model\":\"switchboard-sim\",\"max_tokens\":5,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  private static final String SENTINEL = "malformed-authorization-test: all earlier log events are delivered";

  /** The malformed forms of {@code Authorization} a hurried client or a hostile one sends. */
  private static List<String> malformed(String key) {
    return List.of(
        "Bearer " + key + " " + key,                 // two tokens
        "Bearer " + key + ",",                       // trailing comma
        "Bearer " + key + " and some more words",    // extra words after the key
        "Bearer " + key + ", Basic dXNlcjpwYXNz");   // a second credential after a comma
  }

  @Test
  void malformedAuthorization_is401InTheCallersDialect_andNoLogLineHoldsTheKey(@TempDir Path dataDir) throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    root.addAppender(captured);
    ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(TestStores.h2(dataDir)).build();
    List<String> secrets = new ArrayList<>(List.of(ADMIN_KEY));
    try (TestGateway gateway = TestGateway.start(testKit, """
        switchboard.auth.mode = keys
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 4 }
        """, Map.of(TestGateway.ADMIN_KEY_ENV, ADMIN_KEY))) {
      String key = createKey(gateway, "{\"name\":\"marker\"}").path("key").asText();
      secrets.add(key);
      assertEquals(200, post(gateway, "/v1/chat/completions", CHAT_BODY, "Bearer " + key).statusCode(),
          "the well-formed header passes");

      for (String header : malformed(key)) {
        assertOpenAiRefusal(post(gateway, "/v1/chat/completions", CHAT_BODY, header), "invalid_api_key", key);
        assertAnthropicRefusal(post(gateway, "/v1/messages", MESSAGES_BODY, header), key);
      }
      for (String header : malformed(ADMIN_KEY)) {
        HttpResponse<String> admin = gateway.send(HttpRequest.newBuilder(gateway.uri("/admin/keys"))
            .header("Authorization", header).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertOpenAiRefusal(admin, "invalid_admin_key", ADMIN_KEY);
      }
      awaitDelivered(testKit, captured);
    } finally {
      testKit.shutdownTestKit();
      root.detachAppender(captured);
    }
    // A thread that was already inside the appender when it was detached may still add its event:
    // stop it, then read a copy taken under the appender's own lock.
    captured.stop();
    List<ILoggingEvent> events;
    synchronized (captured) {
      events = new ArrayList<>(captured.list);
    }

    for (ILoggingEvent event : events) {
      String line = event.getFormattedMessage()
          + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()))
          + event.getMDCPropertyMap();
      for (String secret : secrets) {
        assertFalse(line.contains(secret), "a key in the log of " + event.getLoggerName() + ": " + line);
      }
    }
  }

  private static HttpResponse<String> post(TestGateway gateway, String path, String body, String authorization) {
    return gateway.send(HttpRequest.newBuilder(gateway.uri(path))
        .header("Content-Type", "application/json").header("anthropic-version", "2023-06-01")
        .header("Authorization", authorization)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertOpenAiRefusal(HttpResponse<String> response, String code, String key) throws Exception {
    assertEquals(401, response.statusCode(), response.body());
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertEquals(code, error.path("code").asText(), response.body());
    assertTrue(error.path("message").asText().contains("Authorization"),
        "the message should say the header is malformed: " + response.body());
    assertFalse(response.body().contains(key), "the refusal echoes the key");
  }

  private static void assertAnthropicRefusal(HttpResponse<String> response, String key) throws Exception {
    assertEquals(401, response.statusCode(), response.body());
    JsonNode body = JSON.readTree(response.body());
    assertEquals("error", body.path("type").asText(), response.body());
    assertEquals("authentication_error", body.path("error").path("type").asText(), response.body());
    assertTrue(body.path("error").path("message").asText().contains("Authorization"), response.body());
    assertFalse(response.body().contains(key), "the refusal echoes the key");
  }

  /**
   * Pekko's log events reach logback through one logger actor, in order: once a sentinel logged after
   * the requests has arrived, so has every warning the requests caused.
   */
  private static void awaitDelivered(ActorTestKit testKit, ListAppender<ILoggingEvent> captured) {
    testKit.system().classicSystem().log().warning(SENTINEL);
    TestProbe<Void> probe = testKit.createTestProbe();
    Function<ILoggingEvent, Boolean> isSentinel = e -> SENTINEL.equals(e.getFormattedMessage());
    probe.awaitAssert(Duration.ofSeconds(10), () -> {
      synchronized (captured) {
        assertTrue(new ArrayList<>(captured.list).stream().anyMatch(isSentinel::apply), "the sentinel was not logged");
      }
      return null;
    });
  }
}
