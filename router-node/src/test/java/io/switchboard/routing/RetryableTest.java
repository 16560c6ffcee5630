package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamException.Kind;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which upstream failures are retried, which count against a breaker, and which breaker: the provider's or the model's. */
@Tag("unit")
class RetryableTest {

  private static UpstreamException failure(Kind kind, int status) {
    return new UpstreamException(kind, "test-provider", kind + " " + status, status, null, null, null);
  }

  @ParameterizedTest(name = "{0} {1}: retry={2}, breaker={3}")
  @CsvSource({
      // kind,               status, retried, counts against the provider
      "RATE_LIMITED,           429,  true,  false",
      "RATE_LIMITED,           0,    true,  false",
      "REQUEST_REJECTED,       408,  true,  false",
      "REQUEST_REJECTED,       409,  true,  false",
      "REQUEST_REJECTED,       400,  false, false",
      "REQUEST_REJECTED,       404,  false, false",
      "REQUEST_REJECTED,       413,  false, false",
      "REQUEST_REJECTED,       422,  false, false",
      "REQUEST_REJECTED,       0,    false, false",
      "REJECTED_CREDENTIALS,   401,  false, false",
      "REJECTED_CREDENTIALS,   403,  false, false",
      "SERVER_ERROR,           500,  true,  true",
      "SERVER_ERROR,           502,  true,  true",
      "SERVER_ERROR,           503,  true,  true",
      "SERVER_ERROR,           504,  true,  true",
      "SERVER_ERROR,           529,  true,  true",
      "SERVER_ERROR,           0,    true,  true",
      "OVERLOADED,             529,  true,  true",
      "TIMEOUT,                0,    true,  true",
      "CONNECTION_FAILED,      0,    true,  true",
      "UNAVAILABLE,            0,    true,  true",
      "MALFORMED_RESPONSE,     200,  false, true",
      "EMPTY_RESPONSE,         200,  false, true",
  })
  void classification(Kind kind, int status, boolean retried, boolean countsAgainstProvider) {
    UpstreamException failure = failure(kind, status);

    assertEquals(retried, Retryable.shouldRetry(failure), "retry");
    assertEquals(countsAgainstProvider, Retryable.countsAsProviderFailure(failure), "breaker");
  }

  @ParameterizedTest(name = "{0} {1}: transport={2}")
  @CsvSource({
      // kind,               status, the connection's failure (the provider's breaker), not the model's
      "CONNECTION_FAILED,      0,    true",
      "UNAVAILABLE,            0,    true",
      "TIMEOUT,                0,    false",
      "SERVER_ERROR,           500,  false",
      "SERVER_ERROR,           503,  false",
      "OVERLOADED,             529,  false",
      "MALFORMED_RESPONSE,     200,  false",
      "EMPTY_RESPONSE,         200,  false",
      "RATE_LIMITED,           429,  false",
      "REQUEST_REJECTED,       404,  false",
  })
  void transportFailures_countAgainstTheProvider_theRestAgainstTheModel(Kind kind, int status, boolean transport) {
    assertEquals(transport, Retryable.isTransportFailure(failure(kind, status)));
    if (Retryable.countsAsProviderFailure(failure(kind, status))) {
      assertEquals(transport, ((CallOutcome.Failed) Dispatcher.failed(failure(kind, status))).transport(),
          "what the permit's release tells admission");
    }
  }

  @Test
  void connectTimeout_isTheConnectionsFailure() {
    UpstreamException connect = new UpstreamException(Kind.TIMEOUT, "test-provider", "could not connect", 0, null, null,
        new RuntimeException("Tcp command [Connect(api.example.com:443)] failed because of Connect timeout of 5 s"));

    assertEquals(true, Retryable.isTransportFailure(connect));
  }

  @ParameterizedTest
  @CsvSource({"TIMEOUT, 0, false", "SERVER_ERROR, 500, true", "RATE_LIMITED, 429, true", "CONNECTION_FAILED, 0, true",
      "OVERLOADED, 529, true", "REQUEST_REJECTED, 400, false"})
  void aTimeout_isRetriedOnTheNextDeployment_notOnTheSameOne(Kind kind, int status, boolean sameDeployment) {
    assertEquals(sameDeployment, Retryable.retriesSameDeployment(failure(kind, status)));
  }

  @ParameterizedTest
  @CsvSource({"408, true", "409, true", "429, true", "500, true", "529, true", "599, true", "400, false",
      "401, false", "403, false", "404, false", "422, false", "200, false", "600, false"})
  void statuses(int status, boolean retried) {
    assertEquals(retried, Retryable.isRetryableStatus(status));
  }
}
