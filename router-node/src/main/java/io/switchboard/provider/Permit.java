package io.switchboard.provider;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.RecipientRef;

/**
 * An admitted call at a provider. Released exactly once, with the call's outcome, however many paths
 * (completion, failure, client cancellation) try to release it; the first one wins.
 */
public final class Permit {
  private final RecipientRef<ProviderActor.Command> provider;
  private final long id;
  private final AtomicBoolean released = new AtomicBoolean();

  Permit(RecipientRef<ProviderActor.Command> provider, long id) {
    this.provider = provider;
    this.id = id;
  }

  public void release(CallOutcome outcome) {
    if (released.compareAndSet(false, true)) provider.tell(new ProviderActor.Release(id, outcome));
  }

  public boolean isReleased() {
    return released.get();
  }
}
