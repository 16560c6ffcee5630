package io.switchboard.routing;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's view of how busy each provider is, for {@link LeastBusyBalancing}: the requests in flight
 * plus queued at the provider's admission entity (cluster-wide, since every node admits there), as
 * last reported, plus the picks this node made since it asked.
 *
 * <p>Asking the entity on every request would add a round trip (often cross-node) to each; instead
 * {@link LoadRefresher} calls {@link #refresh} every {@code balancing.load-refresh-interval}. Staleness:
 * another node's requests are seen only once the next answer arrives, so the view lags by up to one
 * interval plus one ask. This node's own picks count at once, so it spreads a burst over its providers
 * instead of sending all of it to the one that was idle at the last answer. A pick that finishes before
 * the next answer still counts until then (the view errs towards busy, and only for one interval).
 *
 * <p>Lock-free reads: a report and the pick count at the time of its ask are published together as one
 * immutable pair, and picks are an atomic counter per provider.
 */
public final class LoadView {
  private static final Logger log = LoggerFactory.getLogger(LoadView.class);

  /** What a provider reported, and how many picks this node had made when it asked. */
  private record Report(long load, long picksAtAsk) {}

  private final List<String> providers;
  private final Map<String, Integer> slots = new HashMap<>();
  private final Function<String, CompletionStage<Integer>> askLoad;
  private final AtomicReferenceArray<Report> reports;
  private final AtomicLongArray picks;
  /** 1 while an ask is unanswered: a slow entity gets no second ask on top of the first. */
  private final AtomicIntegerArray asking;
  /** 1 for the providers asked on a refresh: those behind a {@code least-busy} model now. */
  private final AtomicIntegerArray watched;

  /**
   * @param providers the providers whose load is wanted
   * @param askLoad asks a provider for its requests in flight plus queued
   */
  public LoadView(Collection<String> providers, Function<String, CompletionStage<Integer>> askLoad) {
    this.providers = List.copyOf(providers);
    this.askLoad = askLoad;
    for (int i = 0; i < this.providers.size(); i++) slots.put(this.providers.get(i), i);
    this.reports = new AtomicReferenceArray<>(this.providers.size());
    for (int i = 0; i < this.providers.size(); i++) reports.set(i, new Report(0, 0));
    this.picks = new AtomicLongArray(this.providers.size());
    this.asking = new AtomicIntegerArray(this.providers.size());
    this.watched = new AtomicIntegerArray(this.providers.size());
    for (int i = 0; i < this.providers.size(); i++) watched.set(i, 1);
  }

  /**
   * Asks, from the next refresh on, only {@code wanted} (each must be in this view): the providers whose
   * load some model balances by now. The others keep their last report.
   */
  public void watch(Collection<String> wanted) {
    for (int i = 0; i < providers.size(); i++) watched.set(i, wanted.contains(providers.get(i)) ? 1 : 0);
  }

  public boolean isEmpty() {
    return providers.isEmpty();
  }

  /** The slot of {@code provider}, for {@link #load} and {@link #picked}; fixed at construction. */
  int slot(String provider) {
    Integer slot = slots.get(provider);
    if (slot == null) throw new IllegalArgumentException("provider '" + provider + "' is not in this load view");
    return slot;
  }

  /** The provider's last reported load plus this node's picks since that report was asked for. */
  long load(int slot) {
    Report report = reports.get(slot);
    return report.load() + picks.get(slot) - report.picksAtAsk();
  }

  /** This node sends the provider a request. */
  void picked(int slot) {
    picks.incrementAndGet(slot);
  }

  /**
   * Asks every provider whose previous ask was answered; completes when all asked have answered.
   * A failed ask keeps the previous report (and is logged): an unreachable entity looks as busy as it
   * last was, plus this node's picks.
   */
  public CompletionStage<Void> refresh() {
    CompletableFuture<?>[] asks = new CompletableFuture<?>[providers.size()];
    for (int i = 0; i < providers.size(); i++) {
      final int slot = i;
      if (watched.get(slot) == 0 || !asking.compareAndSet(slot, 0, 1)) {
        asks[slot] = CompletableFuture.completedFuture(null);
        continue;
      }
      long picksAtAsk = picks.get(slot);
      CompletionStage<Integer> answer;
      try {
        answer = askLoad.apply(providers.get(slot));
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      asks[slot] = answer.handle((load, error) -> {
        if (error == null) {
          reports.set(slot, new Report(load, picksAtAsk));
        } else {
          log.debug("load of provider {} not refreshed: {}", providers.get(slot), error.toString());
        }
        asking.set(slot, 0);
        return null;
      }).toCompletableFuture();
    }
    return CompletableFuture.allOf(asks);
  }
}
