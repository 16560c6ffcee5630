package io.switchboard.keys;

import java.time.Duration;
import java.util.Optional;

/**
 * A key's own admission refused a request: its requests or tokens per minute, its budget, or its
 * state could not be had. The refusal as the key actor gave it; the HTTP layer decides the status.
 */
public final class KeyRefusedException extends RuntimeException {
  private final ApiKeyActor.Rejected rejection;

  public KeyRefusedException(ApiKeyActor.Rejected rejection) {
    super(rejection.message(), null, false, false);
    this.rejection = rejection;
  }

  public ApiKeyActor.Reason reason() {
    return rejection.reason();
  }

  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(rejection.retryAfter());
  }
}
