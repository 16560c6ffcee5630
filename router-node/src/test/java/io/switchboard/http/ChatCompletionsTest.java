package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client's own admission wait, {@code x-switchboard-max-wait}, as both chat ingresses read it: the
 * forms a client may write, and the 400 for anything else. (The whole-gateway path of one bad value is
 * in {@code RetriesAndFallbacksTest}.)
 */
@Tag("unit")
class ChatCompletionsTest {

  private static HttpRequest withMaxWait(String value) {
    return HttpRequest.POST("/v1/chat/completions").addHeader(RawHeader.create(ChatCompletions.MAX_WAIT_HEADER, value));
  }

  @Test
  void noHeader_leavesTheProvidersOwnWait() {
    assertEquals(Optional.empty(), ChatCompletions.maxWait(HttpRequest.POST("/v1/chat/completions")));
  }

  @ParameterizedTest
  @CsvSource({"250, 250", "0, 0", " 1500 , 1500", "5s, 5000", "750ms, 750", "2 minutes, 120000"})
  void millisecondsOrADuration_isTheWait(String header, long millis) {
    assertEquals(Optional.of(Duration.ofMillis(millis)), ChatCompletions.maxWait(withMaxWait(header)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"soon", "-5s", "5 parsecs", "", "5s\\", "1h 5m"})
  void anythingElse_is400NamingTheHeader(String header) {
    ApiError error = assertThrows(ApiError.class, () -> ChatCompletions.maxWait(withMaxWait(header)));

    assertEquals(400, error.status());
    assertEquals(ChatCompletions.MAX_WAIT_HEADER, error.body().error().param());
    assertEquals("invalid_header", error.body().error().code());
  }
}
