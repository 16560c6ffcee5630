package io.switchboard.bench.jmh;

import io.switchboard.provider.ProviderActor;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * One admission round trip against a local provider actor, in today's protocol: ask {@code Acquire},
 * get {@code Granted(permitId)}, tell {@code Release(permitId)}. The only class that knows the
 * protocol, so when the provider actor changes (token buckets, leases) only this class changes.
 */
final class AdmissionRoundTrip {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final ActorSystem<?> system;
  private final ActorRef<ProviderActor.Command> provider;

  AdmissionRoundTrip(ActorSystem<?> system, ActorRef<ProviderActor.Command> provider) {
    this.system = system;
    this.provider = provider;
  }

  /** Completes once the slot was granted and its release sent. */
  CompletionStage<Long> acquireAndRelease() {
    return AskPattern.<ProviderActor.Command, ProviderActor.AdmissionResult>ask(
            provider, ProviderActor.Acquire::new, TIMEOUT, system.scheduler())
        .thenApply(result -> {
          if (!(result instanceof ProviderActor.Granted granted)) {
            throw new IllegalStateException("admission refused during benchmark: " + result);
          }
          provider.tell(new ProviderActor.Release(granted.permitId()));
          return granted.permitId();
        });
  }
}
