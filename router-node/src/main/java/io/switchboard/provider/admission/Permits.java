package io.switchboard.provider.admission;

import io.switchboard.provider.CallOutcome;
import io.switchboard.ratelimit.ProviderLimits;
import java.time.Duration;
import java.util.List;

/**
 * A permit's life once admission has decided to grant it: granted, it takes a slot ({@link InFlight})
 * and its reservation from the buckets; handed back, it is settled ({@link Settlement}); never handed
 * back, its slot is freed without it, when its lease ({@code permit-lease}) runs out or the node that
 * holds it leaves the cluster. A freed permit that held the breaker's half-open trial gives it up.
 *
 * <p>A freed permit's token reservation stands, as the upstream may have counted the call. And a lease
 * is a guess: a call that outlives it keeps running while its slot is taken again, one over
 * {@code max-in-flight} until it ends. That is why the lease is set longer than any call should take;
 * the price is that a permit lost without its node leaving holds its slot that long. Not thread-safe.
 */
final class Permits {
  private final String provider;
  private final Duration lease;
  private final InFlight inFlight;
  private final ProviderLimits limits;
  private final Checkpoints checkpoints;
  private final Breakers<?> breakers;
  private final Settlement settlement;
  private final Decisions.Builder<?> out;

  Permits(String provider, Duration lease, InFlight inFlight, ProviderLimits limits, Checkpoints checkpoints,
      Breakers<?> breakers, Decisions.Builder<?> out) {
    this.provider = provider;
    this.lease = lease;
    this.inFlight = inFlight;
    this.limits = limits;
    this.checkpoints = checkpoints;
    this.breakers = breakers;
    this.settlement = new Settlement(provider, limits, breakers, out);
    this.out = out;
  }

  /**
   * Takes a slot, leased to {@code holder} from {@code now}, and the reservation from the buckets; the
   * permit's id. {@code admission}: the id of the ask it answers (0: none), so a repeat of it finds this permit.
   */
  long grant(String model, int tokens, Breakers.Trial trial, String holder, long admission, long now) {
    long id = inFlight.hold(new InFlight.Held(model, tokens, trial, now, now + lease.toMillis(), holder, admission));
    if (!limits.isEmpty()) {
      limits.take(model, tokens, now);
      checkpoints.changed();
      if (limits.allowanceRunningLow()) checkpoints.write(now);
    }
    return id;
  }

  /** Permit {@code permitId} is handed back, its call over with {@code outcome}; false when it was not held. */
  boolean handBack(long permitId, CallOutcome outcome, long now) {
    InFlight.Held held = inFlight.release(permitId);
    if (held == null) return false;
    settlement.settle(held, outcome, now);
    checkpoints.changed();
    return true;
  }

  /** The node at {@code address} left the cluster: the slots of its permits are freed at once. */
  void freeHeldBy(String address, long now) {
    List<InFlight.Freed> freed = inFlight.free(held -> address.equals(held.holder()));
    for (InFlight.Freed f : freed) breakers.abandon(f.held().trial(), f.held().model(), now);
    if (!freed.isEmpty()) {
      out.warn("provider '" + provider + "': node " + address + " left the cluster holding " + freed.size()
          + " permit(s); their slots are freed");
    }
  }

  /** Frees the slots of permits whose lease ran out unreleased. */
  void freeExpired(long now) {
    for (InFlight.Freed f : inFlight.free(held -> held.leaseExpires() <= now)) {
      breakers.abandon(f.held().trial(), f.held().model(), now);
      out.warn("provider '" + provider + "': permit " + f.permitId() + " was not released within " + lease
          + "; its slot is freed");
    }
  }
}
