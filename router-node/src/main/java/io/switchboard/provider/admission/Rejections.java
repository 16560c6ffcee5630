package io.switchboard.provider.admission;

import io.switchboard.provider.ProviderActor.Reason;
import io.switchboard.provider.ProviderActor.Rejected;
import io.switchboard.ratelimit.ProviderLimits;
import java.time.Duration;

/**
 * Every refusal of admission in the words a client reads (they reach it as the error message, with
 * {@code retryAfter} as its Retry-After), in one place: each says what held the request back and when
 * it is worth trying again.
 */
public final class Rejections {
  private Rejections() {}

  /** When to try again after a refusal that has no better estimate. */
  public static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  static Rejected circuitOpen(String provider, long retryAfterMillis) {
    return new Rejected(Reason.CIRCUIT_OPEN,
        "Provider '" + provider + "' is failing and its circuit breaker is open. Retry after "
            + seconds(retryAfterMillis) + "s.",
        Duration.ofMillis(Math.max(1000, retryAfterMillis)));
  }

  static Rejected openedWhileWaiting(String provider, long retryAfterMillis) {
    return new Rejected(Reason.CIRCUIT_OPEN,
        "Provider '" + provider + "' started failing while this request waited, and its circuit breaker"
            + " opened. Retry after " + seconds(retryAfterMillis) + "s.",
        Duration.ofMillis(retryAfterMillis));
  }

  static Rejected modelCircuitOpen(String provider, String model, long retryAfterMillis) {
    return new Rejected(Reason.CIRCUIT_OPEN,
        "Model '" + model + "' at provider '" + provider + "' is failing and its circuit breaker is open. Retry"
            + " after " + seconds(retryAfterMillis) + "s, or use another model.",
        Duration.ofMillis(Math.max(1000, retryAfterMillis)));
  }

  static Rejected modelOpenedWhileWaiting(String provider, String model, long retryAfterMillis) {
    return new Rejected(Reason.CIRCUIT_OPEN,
        "Model '" + model + "' at provider '" + provider + "' started failing while this request waited, and"
            + " its circuit breaker opened. Retry after " + seconds(retryAfterMillis) + "s.",
        Duration.ofMillis(retryAfterMillis));
  }

  static Rejected retryBudgetExhausted(String provider, double budgetRatio) {
    return new Rejected(Reason.RETRY_BUDGET_EXHAUSTED,
        "Provider '" + provider + "' has used its retry budget (" + budgetRatio
            + " of requests); this retry is not made.",
        RETRY_AFTER);
  }

  static Rejected queueFull(String provider, int inFlight, int maxInFlight, int queueCapacity) {
    return new Rejected(Reason.QUEUE_FULL,
        "Provider '" + provider + "' has " + inFlight + " requests in flight (limit "
            + maxInFlight + ") and its queue of " + queueCapacity
            + " is full. Retry after " + RETRY_AFTER.toSeconds() + "s.",
        RETRY_AFTER);
  }

  /** On arrival: the buckets (or a pause) admit the request in {@code waitMillis}, later than its deadline. */
  static Rejected deadlineUnreachable(
      String provider, String model, ProviderLimits limits, long now, long waitMillis, long allowedMillis) {
    return new Rejected(Reason.DEADLINE_UNREACHABLE,
        limitMessage(provider, model, limits, now, waitMillis, allowedMillis), Duration.ofMillis(waitMillis));
  }

  /** At the deadline: the buckets (or a pause) held the request back; it would fit in {@code refillMillis}. */
  static Rejected heldByLimit(String provider, String model, ProviderLimits limits, long now, long refillMillis) {
    return new Rejected(Reason.QUEUE_TIMEOUT,
        limitMessage(provider, model, limits, now, refillMillis, 0), Duration.ofMillis(refillMillis));
  }

  /**
   * At the deadline: the buckets hold the request, but their allowance since the last saved level is
   * spent, and the save did not complete in time (a slow database): still the rate limit that held it back.
   */
  static Rejected heldByCheckpoint(String provider, String model, ProviderLimits limits, long now) {
    return new Rejected(Reason.QUEUE_TIMEOUT, limitReached(provider, model, limits, now)
        + " The request waited until its deadline for the limit's level to be saved to the database."
        + " Retry after " + RETRY_AFTER.toSeconds() + "s.", RETRY_AFTER);
  }

  /** At the deadline: the slots, or the requests queued ahead of it, held the request back. */
  static Rejected heldBySlots(String provider, int inFlight, int maxInFlight, int stillQueued) {
    return new Rejected(Reason.QUEUE_TIMEOUT,
        "Waited until this request's deadline for provider '" + provider + "' (" + inFlight
            + " of " + maxInFlight + " slots busy, " + stillQueued + " requests still queued)"
            + " without being admitted. Retry after " + RETRY_AFTER.toSeconds() + "s.",
        RETRY_AFTER);
  }

  /** The provider's actor restarted, or could not load its state, while the request waited. */
  static Rejected invalidReservation(int tokens) {
    return new Rejected(Reason.TOO_LARGE, "This request's token reservation (" + tokens
        + ") is not a valid number of tokens. Lower max_tokens.", null);
  }

  static Rejected tooLarge(String provider, int tokens, ProviderLimits.BucketStatus bucket) {
    return new Rejected(Reason.TOO_LARGE,
        "This request reserves " + tokens + " tokens (its prompt plus max_tokens, or the model's max-output-tokens"
            + " when max_tokens is not set, times n), more than provider '" + provider + "' can ever admit at"
            + " once: its limit of " + bucket.limitPerMinute() + " tokens per minute"
            + (bucket.scope().equals(ProviderLimits.PROVIDER_SCOPE) ? "" : " for " + bucket.scope())
            + (bucket.learned() ? " (learned from the provider)" : "")
            + " admits at most " + (long) bucket.capacity() + " tokens per request. Lower max_tokens.",
        null);
  }

  public static Rejected restarting(String provider) {
    return new Rejected(Reason.PROVIDER_RESTARTING,
        "Provider '" + provider + "' is restarting and could not admit this request. Retry after "
            + RETRY_AFTER.toSeconds() + "s.",
        RETRY_AFTER);
  }

  /** The provider's actor did not answer an ask within {@code timeout}. */
  public static Rejected unanswered(String provider, Duration timeout) {
    return new Rejected(Reason.PROVIDER_RESTARTING,
        "Provider '" + provider + "' did not answer admission within " + timeout.toSeconds()
            + "s. Retry after " + RETRY_AFTER.toSeconds() + "s.",
        RETRY_AFTER);
  }

  private static String limitMessage(
      String provider, String model, ProviderLimits limits, long now, long waitMillis, long allowedMillis) {
    return limitReached(provider, model, limits, now) + " The request could be admitted in " + waitMillis + " ms, but "
        + (allowedMillis > 0 ? "may wait only " + allowedMillis + " ms" : "its wait is over")
        + ". Retry after " + seconds(waitMillis) + "s.";
  }

  /** Which of {@code model}'s limits apply and how much of each is left. */
  private static String limitReached(String provider, String model, ProviderLimits limits, long now) {
    StringBuilder which = new StringBuilder();
    if (limits.pausedUntil() > now) which.append("the provider asked for a pause; ");
    for (ProviderLimits.BucketStatus b : limits.status(now)) {
      if (b.scope().equals(ProviderLimits.PROVIDER_SCOPE) || b.scope().equals(model)) {
        which.append(b.dimension() == ProviderLimits.Dimension.REQUESTS ? "requests" : "tokens")
            .append(" per minute ").append(b.limitPerMinute())
            .append(b.scope().equals(ProviderLimits.PROVIDER_SCOPE) ? "" : " for " + b.scope())
            .append(b.learned() ? " (learned from the provider)" : "")
            .append(", ").append((long) Math.max(0, b.level())).append(" left; ");
      }
    }
    return "Provider '" + provider + "' rate limit reached (" + which.toString().replaceAll("; $", "") + ").";
  }

  /** Whole seconds, rounded up, at least 1: what a Retry-After header can say. */
  static long seconds(long millis) {
    return Math.max(1, (millis + 999) / 1000);
  }
}
