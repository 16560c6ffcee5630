package io.switchboard.provider;

import io.switchboard.config.ProviderSettings;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * What the request path holds of one provider: its admission actor and its upstream client.
 *
 * <p>{@link #acquire()} asks with a timeout a little longer than the queue's own wait, so the actor
 * (which always answers within {@code queue.max-wait}) decides, and the ask timeout only fires when
 * the actor itself is unreachable.
 */
public record ProviderHandle(
    ProviderSettings settings, ActorRef<ProviderActor.Command> admission, Upstream upstream, Scheduler scheduler) {

  static final Duration ASK_MARGIN = Duration.ofSeconds(5);

  public String id() {
    return settings.id();
  }

  /** A permit once a slot is free; fails with {@link AdmissionRejectedException} otherwise. */
  public CompletionStage<Permit> acquire() {
    Duration timeout = settings.queue().maxWait().plus(ASK_MARGIN);
    return AskPattern.<ProviderActor.Command, ProviderActor.AdmissionResult>ask(
            admission, ProviderActor.Acquire::new, timeout, scheduler)
        .handle((result, error) -> {
          if (result instanceof ProviderActor.Granted granted) return new Permit(admission, granted.permitId());
          ProviderActor.Rejected rejected = result instanceof ProviderActor.Rejected r ? r
              : new ProviderActor.Rejected(ProviderActor.Reason.PROVIDER_RESTARTING,
                  "Provider '" + id() + "' did not answer admission within " + timeout.toSeconds()
                      + "s. Retry after " + ProviderActor.RETRY_AFTER.toSeconds() + "s.",
                  ProviderActor.RETRY_AFTER);
          throw new AdmissionRejectedException(rejected);
        });
  }

  public CompletionStage<ProviderActor.Status> status() {
    return AskPattern.ask(admission, ProviderActor.GetStatus::new, Duration.ofSeconds(3), scheduler);
  }
}
