package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SwitchboardSettings;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * How both chat ingresses read a request body: whole within {@code max-request-body}, 413 beyond it
 * (also when it arrives in pieces), 408 when it does not arrive within {@code request-body-timeout}.
 */
@Tag("unit")
class RequestBodiesTest {
  private static final ActorTestKit testKit = ActorTestKit.create("request-bodies-test");
  private static final RequestBodies bodies = new RequestBodies(SwitchboardSettings.from(ConfigFactory.parseString("""
          switchboard.http { max-request-body = 16, request-body-timeout = 200ms }
          """).withFallback(ConfigFactory.load()).resolve(), name -> null).http(),
      Materializer.matFromSystem(testKit.system()));

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static HttpRequest streamed(Source<ByteString, ?> body) {
    return HttpRequest.POST("/v1/chat/completions").withEntity(
        HttpEntities.createChunked(ContentTypes.APPLICATION_JSON, body));
  }

  private static ApiError failure(CompletionStage<ByteString> read) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> read.toCompletableFuture().get(10, TimeUnit.SECONDS));
    return assertInstanceOf(ApiError.class, e.getCause());
  }

  @Test
  void bodyWithinTheLimit_isReadWhole_evenInPieces() throws Exception {
    ByteString body = bodies.bytes(streamed(Source.from(List.of(ByteString.fromString("{\"a\":"),
        ByteString.fromString("1}"))))).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertEquals("{\"a\":1}", body.utf8String());
  }

  @Test
  void bodyOverTheLimit_is413_whetherWholeOrInPieces() {
    String big = "{\"model\":\"gpt-4o-mini\"}";
    ApiError whole = failure(bodies.bytes(HttpRequest.POST("/v1/chat/completions")
        .withEntity(ContentTypes.APPLICATION_JSON, big)));
    ApiError pieces = failure(bodies.bytes(streamed(Source.from(List.of(
        ByteString.fromString(big.substring(0, 10)), ByteString.fromString(big.substring(10)))))));

    for (ApiError error : List.of(whole, pieces)) {
      assertEquals(413, error.status());
      assertEquals("request_too_large", error.body().error().code());
      assertTrue(error.getMessage().contains("max-request-body"), error.getMessage());
    }
  }

  @Test
  void bodyThatNeverFinishes_is408AfterTheTimeout() {
    Source<ByteString, ?> stalled = Source.single(ByteString.fromString("{\"a\":"))
        .concat(Source.<ByteString>maybe().mapMaterializedValue(promise -> Optional.empty()));

    ApiError error = failure(bodies.bytes(streamed(stalled)));

    assertEquals(408, error.status());
    assertEquals("request_timeout", error.body().error().code());
  }
}
