package io.switchboard.provider;

import io.switchboard.config.ProviderSettings;
import io.switchboard.provider.admission.Rejections;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * What the request path holds of one provider: its admission actor and its upstream client. The
 * admission actor is a local child on a single node, and the provider's sharded entity in a cluster,
 * wherever in the cluster that lives.
 *
 * <p>{@link #acquire} asks with a timeout a little longer than the request's own deadline, so the actor
 * (which always answers by the deadline) decides, and the ask timeout only fires when the actor itself
 * is unreachable. A request turned away because the actor restarted asks again while its deadline
 * allows: the restarted actor serves it.
 */
public record ProviderHandle(
    ProviderSettings settings, RecipientRef<ProviderActor.Command> admission, Upstream upstream, Scheduler scheduler,
    Clock clock, Optional<PermitPrefetch> prefetch) {

  /** A handle that asks the provider's actor for every permit. */
  public ProviderHandle(ProviderSettings settings, RecipientRef<ProviderActor.Command> admission, Upstream upstream,
      Scheduler scheduler, Clock clock) {
    this(settings, admission, upstream, scheduler, clock, Optional.empty());
  }

  static final Duration ASK_MARGIN = Duration.ofSeconds(5);

  public String id() {
    return settings.id();
  }

  /**
   * A permit once {@code model}'s call reserving {@code tokens} is admitted; fails with
   * {@link AdmissionRejectedException} otherwise.
   */
  public CompletionStage<Permit> acquire(String model, int tokens, long deadlineEpochMillis, boolean retry) {
    if (!retry && prefetch.isPresent()) {
      Optional<Permit> ready = prefetch.get().take(model, tokens);
      prefetch.get().refill(model, tokens);
      if (ready.isPresent()) return CompletableFuture.completedFuture(ready.get());
    }
    return acquire(model, tokens, deadlineEpochMillis, retry, MAX_ASKS_ACROSS_RESTARTS);
  }

  /** Re-asking after a restart is bounded, so an actor that keeps failing cannot make a request spin. */
  static final int MAX_ASKS_ACROSS_RESTARTS = 5;

  private CompletionStage<Permit> acquire(
      String model, int tokens, long deadlineEpochMillis, boolean retry, int asksLeft) {
    long remaining = Math.max(0, deadlineEpochMillis - clock.millis());
    Duration timeout = Duration.ofMillis(remaining).plus(ASK_MARGIN);
    return AskPattern.<ProviderActor.Command, ProviderActor.AdmissionResult>ask(admission,
            replyTo -> new ProviderActor.Acquire(model, tokens, deadlineEpochMillis, retry, replyTo), timeout, scheduler)
        .handle((result, error) -> result)
        .thenCompose(result -> {
          if (result instanceof ProviderActor.Granted granted) {
            return CompletableFuture.completedFuture(new Permit(admission, granted.permitId()));
          }
          if (result instanceof ProviderActor.Rejected r && r.reason() == ProviderActor.Reason.PROVIDER_RESTARTING
              && clock.millis() < deadlineEpochMillis && asksLeft > 1) {
            return acquire(model, tokens, deadlineEpochMillis, retry, asksLeft - 1);
          }
          ProviderActor.Rejected rejected = result instanceof ProviderActor.Rejected r ? r
              : Rejections.unanswered(id(), timeout);
          return CompletableFuture.failedFuture(new AdmissionRejectedException(rejected));
        });
  }

  public CompletionStage<ProviderActor.Status> status() {
    return AskPattern.ask(admission, ProviderActor.GetStatus::new, Duration.ofSeconds(3), scheduler);
  }
}
