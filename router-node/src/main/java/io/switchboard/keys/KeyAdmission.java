package io.switchboard.keys;

import io.switchboard.api.openai.ErrorResponse;
import io.switchboard.http.ApiError;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the request path holds of the key actors: ask a key's admission for one request, and settle it.
 * A refusal fails the stage with the {@link ApiError} the client gets: 429 {@code rate_limit_exceeded}
 * with Retry-After for the key's own limits, 429 {@code insufficient_quota} for its budget.
 */
public final class KeyAdmission {
  static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

  private final KeyEntities keys;

  public KeyAdmission(KeyEntities keys) {
    this.keys = keys;
  }

  /** A reservation held for one request; settle it exactly once with {@link #release}. */
  public final class Permit {
    private final String keyId;
    private final long permitId;
    private final AtomicBoolean released = new AtomicBoolean();

    private Permit(String keyId, long permitId) {
      this.keyId = keyId;
      this.permitId = permitId;
    }

    /** Settles the reservation with what the request used and cost; later calls do nothing. */
    public void release(long tokens, BigDecimal costUsd) {
      if (released.compareAndSet(false, true)) {
        keys.tell(keyId, new ApiKeyActor.Release(permitId, tokens, costUsd));
      }
    }
  }

  public CompletionStage<Permit> acquire(String keyId, long tokens, BigDecimal maxCostUsd) {
    return keys.<ApiKeyActor.Admission>ask(keyId, replyTo -> new ApiKeyActor.Acquire(tokens, maxCostUsd, replyTo),
            ASK_TIMEOUT)
        .handle((admission, error) -> {
          if (admission instanceof ApiKeyActor.Granted granted) {
            return CompletableFuture.completedFuture(new Permit(keyId, granted.permitId()));
          }
          ApiKeyActor.Rejected rejected = admission instanceof ApiKeyActor.Rejected r ? r
              : new ApiKeyActor.Rejected(ApiKeyActor.Reason.KEY_UNAVAILABLE, "This key's admission did not answer"
                  + " within " + ASK_TIMEOUT.toSeconds() + "s. Retry in a moment.", Duration.ofSeconds(1));
          return CompletableFuture.<Permit>failedFuture(toError(rejected));
        })
        .thenCompose(stage -> stage);
  }

  public CompletionStage<ApiKeyActor.Budget> budget(String keyId) {
    return keys.ask(keyId, ApiKeyActor.GetBudget::new, ASK_TIMEOUT);
  }

  static ApiError toError(ApiKeyActor.Rejected rejected) {
    return switch (rejected.reason()) {
      case BUDGET_EXHAUSTED -> new ApiError(429,
          ErrorResponse.of(rejected.message(), "insufficient_quota", null, "insufficient_quota"), null);
      case REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE -> new ApiError(429,
          ErrorResponse.of(rejected.message(), "rate_limit_error", null, "rate_limit_exceeded"), rejected.retryAfter());
      case TOO_LARGE -> new ApiError(400,
          ErrorResponse.of(rejected.message(), ApiError.INVALID_REQUEST, "max_tokens", "max_tokens_too_large"), null);
      case KEY_UNAVAILABLE -> new ApiError(503,
          ErrorResponse.of(rejected.message(), "service_unavailable_error", null, "key_state_unavailable"),
          rejected.retryAfter());
    };
  }
}
