package io.switchboard.provider;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A granted slot at a provider. Released exactly once however many paths (completion, failure, client
 * cancellation) try to release it.
 */
public final class Permit {
  private final ActorRef<ProviderActor.Command> provider;
  private final long id;
  private final AtomicBoolean released = new AtomicBoolean();

  Permit(ActorRef<ProviderActor.Command> provider, long id) {
    this.provider = provider;
    this.id = id;
  }

  public void release() {
    if (released.compareAndSet(false, true)) provider.tell(new ProviderActor.Release(id));
  }
}
