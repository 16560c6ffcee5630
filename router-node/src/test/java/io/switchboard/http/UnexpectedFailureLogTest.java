package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.LogCapture;
import com.typesafe.config.ConfigFactory;
import io.switchboard.cache.CachePolicy;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.exchange.ChatPipeline;
import io.switchboard.tokens.TokenEstimator;
import io.switchboard.logging.RequestLog;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.Materializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A 500 {@code internal_error} tells the client "it has been logged": it is, at ERROR, under the
 * request's id (what the client can quote), with the failure's stack trace and without anything the
 * request carried.
 */
@Tag("unit")
class UnexpectedFailureLogTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final String SECRET_CONTENT = "the user's private words";

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void anthropicIngress_bugBehindIt_is500AndLoggedUnderTheRequestId() throws Exception {
    // A pipeline with a bug behind it (it has no router): no client can cause that.
    SwitchboardSettings settings = SwitchboardSettings.from(ConfigFactory.load(), name -> null);
    ChatPipeline broken = new ChatPipeline(null, new TokenEstimator(), null, null, null, null, null, null, null,
        failure -> "500");
    AnthropicMessages messages = new AnthropicMessages(broken, JSON,
        new RequestBodies(settings.http(), Materializer.matFromSystem(testKit.system())),
        new CachePolicy(settings.cache()), new AnswerHeaders(), new AnthropicAnswers(JSON, Duration.ZERO), null, null);
    HttpRequest request = HttpRequest.POST("/v1/messages")
        .addHeader(RawHeader.create(RequestTracing.REQUEST_ID, "req_bug_42"))
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, "{\"model\":\"m\",\"max_tokens\":8,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"" + SECRET_CONTENT + "\"}]}"));

    List<String> log;
    HttpResponse response;
    try (LogCapture capture = LogCapture.start()) {
      response = messages.messages(request).toCompletableFuture().get(5, TimeUnit.SECONDS);
      log = capture.lines();
    }

    assertEquals(500, response.status().intValue());
    JsonNode body = JSON.readTree(response.entity().toStrict(5000, testKit.system()).toCompletableFuture()
        .get(5, TimeUnit.SECONDS).getData().utf8String());
    assertEquals("api_error", body.path("error").path("type").asText());
    List<String> errors = log.stream().filter(line -> line.startsWith("ERROR")).toList();
    assertEquals(1, errors.size(), "one ERROR line for the failure: " + log);
    assertTrue(errors.get(0).contains("req_bug_42"), "the request id: " + errors.get(0));
    assertTrue(errors.get(0).contains("at io.switchboard.http.AnthropicMessages"), "the stack trace: " + errors.get(0));
    assertFalse(errors.get(0).contains(SECRET_CONTENT), errors.get(0));
  }

  @Test
  void unexpected_keepsTheJvmsOwnMessages_withholdsMessagesThatMayQuoteTheRequest() {
    Throwable quoting = new IllegalArgumentException("content block is not an object: " + SECRET_CONTENT,
        new NullPointerException("Cannot invoke \"JsonNode.path(String)\" because \"part\" is null"));

    List<String> log;
    try (LogCapture capture = LogCapture.start()) {
      RequestLog.unexpected(LoggerFactory.getLogger(UnexpectedFailureLogTest.class), "req_7", "test", quoting);
      log = capture.lines();
    }

    assertEquals(1, log.size(), log.toString());
    String line = log.get(0);
    assertTrue(line.startsWith("ERROR"), line);
    assertTrue(line.contains("req_7"), line);
    assertTrue(line.contains("java.lang.IllegalArgumentException (message withheld"), line);
    assertTrue(line.contains("because \"part\" is null"), line);
    assertTrue(line.contains("at io.switchboard.http.UnexpectedFailureLogTest"), line);
    assertFalse(line.contains(SECRET_CONTENT), line);
  }
}
