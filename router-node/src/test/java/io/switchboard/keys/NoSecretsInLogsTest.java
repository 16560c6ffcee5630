package io.switchboard.keys;

import static io.switchboard.keys.KeyRequests.chatWith;
import static io.switchboard.keys.KeyRequests.createKey;
import static io.switchboard.keys.KeyRequests.getWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * No admin key, upstream key or virtual key ever reaches a log line: every log event of a run that
 * creates keys, uses them, refuses wrong ones, revokes one and meets an upstream that rejects the
 * gateway's key is captured (at DEBUG for Switchboard's own loggers) and searched for each secret.
 */
@Tag("integration")
class NoSecretsInLogsTest {
  private static final String ADMIN_KEY = "admin-secret-5b1e0c7f2a9d4e63";
  private static final String UPSTREAM_KEY = "sk-upstream-secret-7d2c91aa0b3f";
  private static final String WRONG_KEY = "sk-sb-wrong-guess-44e1b9";

  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  @Test
  void secrets_neverAppearInALogLine() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger own = (Logger) LoggerFactory.getLogger("io.switchboard");
    Level ownLevel = own.getLevel();
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    root.addAppender(captured);
    own.setLevel(Level.DEBUG);
    List<String> secrets = new ArrayList<>(List.of(ADMIN_KEY, UPSTREAM_KEY, WRONG_KEY));
    try {
      // The node's actor system starts here, under the capture, and stops in the finally below.
      TestGateway gateway = gateways.start("""
          switchboard.auth.mode = keys
          switchboard.providers.openai {
            kind = openai
            retries.max-attempts = 1
            openai { base-url = "%s", api-key-env = "UPSTREAM_KEY" }
          }
          switchboard.models.gpt-4o-mini { provider = openai }
          """.formatted(upstream.baseUrl()),
          Map.of(TestGateway.ADMIN_KEY_ENV, ADMIN_KEY, "UPSTREAM_KEY", UPSTREAM_KEY));
      String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

      JsonKey created = JsonKey.of(gateway, "{\"name\":\"logged\",\"budget_usd\":5,\"requests_per_minute\":100}");
      secrets.add(created.secret());
      assertEquals(200, chatWith(gateway, "Authorization", "Bearer " + created.secret(), body).statusCode());
      assertEquals("Bearer " + UPSTREAM_KEY, upstream.received().get(0).authorization());
      assertEquals(401, chatWith(gateway, "x-api-key", WRONG_KEY, body).statusCode());
      assertEquals(401, getWith(gateway, "/admin/keys", "Authorization", "Bearer " + WRONG_KEY).statusCode());
      assertEquals(200, gateway.get("/admin/keys").statusCode());
      upstream.answer(FakeOpenAi.status(401, FakeOpenAi.envelope("Incorrect API key provided: " + UPSTREAM_KEY,
          "invalid_request_error")));
      HttpResponse<String> rejected = chatWith(gateway, "x-api-key", created.secret(), body);
      assertEquals(502, rejected.statusCode(), rejected.body());
      assertFalse(rejected.body().contains(UPSTREAM_KEY), "the upstream's echo of the key reaches the client");
      gateway.send(gateway.request("/admin/keys/" + created.id()).DELETE().build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(401, chatWith(gateway, "x-api-key", created.secret(), body).statusCode());
      gateway.close(); // stopping the node is part of the run whose log is searched
    } finally {
      gateways.shutdown();
      root.detachAppender(captured);
      own.setLevel(ownLevel);
    }
    // A thread that was already inside the appender when it was detached may still add its event:
    // stop it, then read a copy taken under the appender's own lock.
    captured.stop();
    List<ILoggingEvent> events;
    synchronized (captured) {
      events = new ArrayList<>(captured.list);
    }

    assertTrue(events.size() > 3, "too few log events captured to mean anything: " + events.size());
    for (ILoggingEvent event : events) {
      String line = event.getFormattedMessage()
          + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()))
          + event.getMDCPropertyMap();
      for (String secret : secrets) {
        assertFalse(line.contains(secret), "a secret in the log of " + event.getLoggerName() + ": " + event.getLevel());
      }
    }
  }

  /** A created key: its id and its secret. */
  private record JsonKey(String id, String secret) {
    static JsonKey of(TestGateway gateway, String body) {
      var created = createKey(gateway, body);
      return new JsonKey(created.path("id").asText(), created.path("key").asText());
    }
  }
}
