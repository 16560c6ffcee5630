package io.switchboard.provider;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.RecipientRef;

/**
 * An admitted call at a provider. Released exactly once, with the call's outcome, however many paths
 * (completion, failure, client cancellation) try to release it; the first one wins.
 *
 * <p>A call that fails while this node shuts down is not held against the upstream's breakers: its
 * failure may be the shutdown's own doing (connections cut as the node drains and leaves), and a
 * breaker opened so would be handed, with the provider's entity, to the next node, refusing the model
 * on every node for the breaker's reset timeout. Such a failure still settles its reservation, and an
 * upstream 429 and its pause still count.
 */
public final class Permit {
  private final RecipientRef<ProviderActor.Command> provider;
  private final long id;
  private final BooleanSupplier nodeLeaving;
  private final AtomicBoolean released = new AtomicBoolean();

  Permit(RecipientRef<ProviderActor.Command> provider, long id, BooleanSupplier nodeLeaving) {
    this.provider = provider;
    this.id = id;
    this.nodeLeaving = nodeLeaving;
  }

  public void release(CallOutcome outcome) {
    if (!released.compareAndSet(false, true)) return;
    CallOutcome settled = outcome instanceof CallOutcome.Failed failed && nodeLeaving.getAsBoolean()
        ? failed.notHeldAgainstTheUpstream() : outcome;
    provider.tell(new ProviderActor.Release(id, settled));
  }

  public boolean isReleased() {
    return released.get();
  }
}
