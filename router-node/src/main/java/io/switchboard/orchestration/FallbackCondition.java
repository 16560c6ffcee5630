package io.switchboard.orchestration;

import io.switchboard.config.AutoRouteSettings.Condition;
import io.switchboard.provider.AdmissionRejectedException;
import io.switchboard.provider.UpstreamException;
import io.switchboard.routing.Dispatcher;
import java.util.Locale;
import java.util.Optional;

/**
 * Which fallback condition a model's failure is, after the dispatcher tried all its deployments:
 * {@code context-exceeded} (the gateway's own window check, or an upstream's
 * {@code context_length_exceeded} / "prompt is too long"), {@code rate-limited} (upstream 429s, or
 * admission refused for the provider's limits or queue), {@code unavailable} (breaker open, 5xx,
 * timeouts, connection failures, broken answers). A refusal of the request itself is none of them.
 */
public final class FallbackCondition {
  private FallbackCondition() {}

  public static Optional<Condition> of(Throwable failure) {
    if (failure instanceof Dispatcher.ContextTooLongException) return Optional.of(Condition.CONTEXT_EXCEEDED);
    if (failure instanceof AdmissionRejectedException rejected) {
      return switch (rejected.rejection().reason()) {
        case QUEUE_FULL, DEADLINE_UNREACHABLE, QUEUE_TIMEOUT, RETRY_BUDGET_EXHAUSTED -> Optional.of(Condition.RATE_LIMITED);
        case CIRCUIT_OPEN, PROVIDER_RESTARTING -> Optional.of(Condition.UNAVAILABLE);
        case TOO_LARGE -> Optional.empty();
      };
    }
    if (failure instanceof UpstreamException e) {
      return switch (e.kind()) {
        case RATE_LIMITED -> Optional.of(Condition.RATE_LIMITED);
        case REQUEST_REJECTED -> contextExceeded(e) ? Optional.of(Condition.CONTEXT_EXCEEDED) : Optional.empty();
        case TIMEOUT, CONNECTION_FAILED, UNAVAILABLE, MALFORMED_RESPONSE, EMPTY_RESPONSE, REJECTED_CREDENTIALS,
            SERVER_ERROR, OVERLOADED -> Optional.of(Condition.UNAVAILABLE);
      };
    }
    return Optional.empty();
  }

  private static boolean contextExceeded(UpstreamException e) {
    String said = (e.upstreamBody().orElse("") + " " + e.getMessage()).toLowerCase(Locale.ROOT);
    return said.contains("context_length_exceeded") || said.contains("prompt is too long")
        || said.contains("maximum context length");
  }
}
