package io.switchboard.provider;

import io.switchboard.config.ProviderSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Permits fetched ahead from a provider's admission, per upstream model, so a request can start without
 * a round trip to the provider's actor (in a cluster, possibly on another node). The provider's actor
 * grants them like any other permit ({@link ProviderActor.Prefetch}): its buckets, slots and breaker count
 * them, so limits hold exactly; what is saved is only the wait for the answer.
 *
 * <p>A request takes a ready permit that reserves at least its tokens; otherwise it asks as usual, and
 * its ask starts a fetch of more (at most one fetch in flight per model, never more than
 * {@code prefetch.permits} ready). A permit that no request took within {@code prefetch.idle} is handed
 * back as {@link CallOutcome#NOT_SENT}, refunded in full, so idle capacity returns to the provider (and
 * to other nodes) quickly. Retries and breaker probes always ask: the actor decides those one by one.
 *
 * <p>Trade-off: while ready, a fetched permit holds a slot and its tokens, which another node's request
 * might have used; and when the breaker opens, permits fetched just before stay usable until they are
 * taken or idle. Both last at most {@code prefetch.idle}.
 */
final class PermitPrefetch {
  private record Ready(long permitId, int tokens, long fetchedAt) {}

  private static final class Pool {
    final ArrayDeque<Ready> ready = new ArrayDeque<>();
    boolean fetching;
  }

  private final ProviderSettings.Prefetch settings;
  private final RecipientRef<ProviderActor.Command> admission;
  private final Scheduler scheduler;
  private final Clock clock;
  private final BooleanSupplier nodeLeaving;
  private final Map<String, Pool> pools = new ConcurrentHashMap<>();

  PermitPrefetch(ProviderSettings.Prefetch settings, RecipientRef<ProviderActor.Command> admission,
      Scheduler scheduler, Clock clock, BooleanSupplier nodeLeaving) {
    this.settings = settings;
    this.admission = admission;
    this.scheduler = scheduler;
    this.clock = clock;
    this.nodeLeaving = nodeLeaving;
  }

  /** A ready permit for {@code model} reserving at least {@code tokens}, if one is there. */
  Optional<Permit> take(String model, int tokens) {
    Pool pool = pools.computeIfAbsent(model, m -> new Pool());
    synchronized (pool) {
      for (Iterator<Ready> it = pool.ready.iterator(); it.hasNext(); ) {
        Ready ready = it.next();
        if (ready.tokens() >= tokens) {
          it.remove();
          return Optional.of(new Permit(admission, ready.permitId(), nodeLeaving));
        }
      }
    }
    return Optional.empty();
  }

  /** Fetches permits of {@code tokens} for {@code model} up to the configured number, unless a fetch is under way. */
  void refill(String model, int tokens) {
    Pool pool = pools.computeIfAbsent(model, m -> new Pool());
    int wanted;
    synchronized (pool) {
      if (pool.fetching) return;
      wanted = settings.permits() - pool.ready.size();
      if (wanted <= 0) return;
      pool.fetching = true;
    }
    AskPattern.<ProviderActor.Command, ProviderActor.Prefetched>ask(admission,
            replyTo -> new ProviderActor.Prefetch(model, tokens, wanted, replyTo), ASK_TIMEOUT, scheduler)
        .whenComplete((fetched, error) -> {
          long now = clock.millis();
          synchronized (pool) {
            pool.fetching = false;
            if (fetched != null) {
              for (long id : fetched.permitIds()) pool.ready.addLast(new Ready(id, tokens, now));
            }
          }
        });
  }

  /** Hands back every permit that waited longer than {@code prefetch.idle}; run it periodically. */
  void returnIdle() {
    long oldest = clock.millis() - settings.idle().toMillis();
    for (Pool pool : pools.values()) {
      synchronized (pool) {
        for (Iterator<Ready> it = pool.ready.iterator(); it.hasNext(); ) {
          Ready ready = it.next();
          if (ready.fetchedAt() <= oldest) {
            it.remove();
            new Permit(admission, ready.permitId(), nodeLeaving).release(CallOutcome.NOT_SENT);
          }
        }
      }
    }
  }

  /** Permits ready now, over every model. */
  int ready() {
    int n = 0;
    for (Pool pool : pools.values()) {
      synchronized (pool) {
        n += pool.ready.size();
      }
    }
    return n;
  }

  static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);
}
