package io.switchboard.provider.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.UpstreamHttp;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Uri;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Netty pool honours the same Pekko settings as the host pools: an idle connection closes after
 * {@code host-connection-pool.idle-timeout}, and a response whose body nobody starts to read within
 * {@code response-entity-subscription-timeout} is dropped with its connection rather than holding it.
 */
@Tag("integration")
class NettyPoolTimeoutsTest {
  private static final String ANSWER = "{\"ok\":true}";
  private static final ActorTestKit kit = ActorTestKit.create("netty-pool-timeouts", ConfigFactory.parseString("""
      pekko.http.host-connection-pool.idle-timeout = 300ms
      pekko.http.host-connection-pool.response-entity-subscription-timeout = 300ms
      """).withFallback(ConfigFactory.load()));

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static UpstreamHttp client(String baseUrl) {
    return new UpstreamHttp(kit.system(), SwitchboardSettings.from(ConfigFactory.parseString(
            "switchboard.providers.p { kind = openai, openai.base-url = \"" + baseUrl + "\", connection-pool.client = netty }")
        .withFallback(ConfigFactory.load()).resolve(), k -> null).providers().get("p"), baseUrl, false);
  }

  private static HttpRequest chat(String baseUrl) {
    return UpstreamHttp.post(Uri.create(baseUrl + "/chat/completions"))
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, "{}"));
  }

  @Test
  void anIdleConnection_isClosedAfterTheIdleTimeout_andTheNextCallOpensAnother() throws Exception {
    try (SocketUpstream socket = new SocketUpstream(SocketUpstream.json(ANSWER))) {
      UpstreamHttp http = client(socket.baseUrl());
      HttpResponse first = http.send(chat(socket.baseUrl())).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertEquals(ANSWER, http.body(first).toCompletableFuture().get(10, TimeUnit.SECONDS).utf8String());

      socket.awaitClosedByClient();

      HttpResponse second = http.send(chat(socket.baseUrl())).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertEquals(ANSWER, http.body(second).toCompletableFuture().get(10, TimeUnit.SECONDS).utf8String());
      assertEquals(2, socket.connectionsAccepted());
    }
  }

  @Test
  void aBodyStillArrivingThatNobodyReadsInTime_isDroppedWithItsConnection() throws Exception {
    try (SocketUpstream socket = new SocketUpstream(SocketUpstream.halfOf(ANSWER))) {
      UpstreamHttp http = client(socket.baseUrl());
      HttpResponse unread = http.send(chat(socket.baseUrl())).toCompletableFuture().get(10, TimeUnit.SECONDS);

      socket.awaitClosedByClient();

      assertThrows(ExecutionException.class, () -> http.body(unread).toCompletableFuture().get(10, TimeUnit.SECONDS));
    }
  }
}
