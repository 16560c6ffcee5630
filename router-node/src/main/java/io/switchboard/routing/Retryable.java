package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.transport.UpstreamTransport;

/**
 * Which upstream failures are worth another attempt, and which count against the provider's health.
 * The two questions differ: a 429 is worth retrying later but says nothing about the upstream being
 * broken, while a malformed answer is the upstream's fault but would most likely come back the same.
 *
 * <p>Retried: 408, 409, 429, any 5xx, Anthropic's 529 {@code overloaded_error} ({@code OVERLOADED}),
 * timeouts and connection failures; a timeout on the next deployment, not the same one
 * ({@link #retriesSameDeployment}). Not retried: every other 4xx (400, 401, 403, 404, 422, ...), and malformed or empty
 * answers.
 */
public final class Retryable {

  private Retryable() {
  }

  /** Whether the same request may succeed if sent again (possibly after a wait). */
  public static boolean shouldRetry(UpstreamException failure) {
    requireNonNull(failure, "failure");
    return switch (failure.kind()) {
      case TIMEOUT, CONNECTION_FAILED, UNAVAILABLE, OVERLOADED -> true;
      case MALFORMED_RESPONSE, EMPTY_RESPONSE, REJECTED_CREDENTIALS -> false;
      case RATE_LIMITED, SERVER_ERROR, REQUEST_REJECTED -> failure.upstreamStatus() == 0
          ? failure.kind() != UpstreamException.Kind.REQUEST_REJECTED
          : isRetryableStatus(failure.upstreamStatus());
    };
  }

  /**
   * Whether the next attempt should go to the same deployment, rather than to the next one at once. A
   * timeout should not: an upstream that sent nothing within {@code timeouts.first-byte} (or could not be
   * reached within {@code connect}) is most likely still silent, and each retry on it would cost the
   * whole timeout again out of the request's deadline.
   */
  public static boolean retriesSameDeployment(UpstreamException failure) {
    return shouldRetry(failure) && failure.kind() != UpstreamException.Kind.TIMEOUT;
  }

  /** Whether an upstream HTTP status is worth retrying: 408, 409, 429 and every 5xx. */
  public static boolean isRetryableStatus(int status) {
    return status == 408 || status == 409 || status == 429 || (status >= 500 && status <= 599);
  }

  /**
   * Whether the failure says the provider is unhealthy, for its circuit breaker: server errors,
   * broken connections, timeouts and answers that break the protocol. Rate limits, rejected requests
   * and rejected credentials do not: the upstream is working, it just said no. An overloaded upstream
   * counts: while it sheds load, an open breaker sends requests to the fallback at once instead of
   * letting each wait through its retries.
   */
  public static boolean countsAsProviderFailure(UpstreamException failure) {
    requireNonNull(failure, "failure");
    return switch (failure.kind()) {
      case SERVER_ERROR, OVERLOADED, CONNECTION_FAILED, UNAVAILABLE, TIMEOUT, MALFORMED_RESPONSE, EMPTY_RESPONSE ->
          true;
      case RATE_LIMITED, REQUEST_REJECTED, REJECTED_CREDENTIALS -> false;
    };
  }

  /**
   * Whether the failure is the connection's rather than one model's (refused, reset, unknown host, TLS,
   * nothing listening): it counts against the provider's breaker, as every model behind the provider is
   * out of reach. Any other failure that {@link #countsAsProviderFailure counts} is the answer of one
   * upstream model (a 5xx, 529 overloaded, a timeout waiting for it, a broken answer) and counts against
   * that model's breaker only.
   */
  public static boolean isTransportFailure(UpstreamException failure) {
    requireNonNull(failure, "failure");
    return switch (failure.kind()) {
      case CONNECTION_FAILED, UNAVAILABLE -> true;
      // timeouts.connect: no connection within it. Waiting for an answer is the model's time.
      case TIMEOUT -> failure.upstreamStatus() == 0 && UpstreamTransport.isConnectTimeout(failure.getCause());
      default -> false;
    };
  }
}
