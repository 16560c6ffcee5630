package io.switchboard.bench.jmh;

import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.ProviderActor;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UpstreamSignals;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * One admission round trip against a provider actor (local, or a sharded entity on this node or
 * another), as a request makes it: ask
 * {@code Acquire(model, tokens, deadline)}, get {@code Granted(permitId)}, tell
 * {@code Release(permitId, Succeeded(usage))}, which settles the token reservation. The only class
 * that knows the protocol.
 */
final class AdmissionRoundTrip {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  static final String MODEL = "gpt-4o";
  private static final int RESERVED_TOKENS = 600;
  static final CallOutcome USED =
      new CallOutcome.Succeeded(new TokenUsage(100, 200), UpstreamSignals.NONE);

  private final ActorSystem<?> system;
  private final RecipientRef<ProviderActor.Command> provider;

  AdmissionRoundTrip(ActorSystem<?> system, RecipientRef<ProviderActor.Command> provider) {
    this.system = system;
    this.provider = provider;
  }

  /** Completes once the slot was granted and its release sent. */
  CompletionStage<Long> acquireAndRelease() {
    long deadline = System.currentTimeMillis() + TIMEOUT.toMillis();
    return AskPattern.<ProviderActor.Command, ProviderActor.AdmissionResult>ask(provider,
            replyTo -> new ProviderActor.Acquire(MODEL, RESERVED_TOKENS, deadline, false, replyTo), TIMEOUT,
            system.scheduler())
        .thenApply(result -> {
          if (!(result instanceof ProviderActor.Granted granted)) {
            throw new IllegalStateException("admission refused during benchmark: " + result);
          }
          provider.tell(new ProviderActor.Release(granted.permitId(), USED));
          return granted.permitId();
        });
  }
}
