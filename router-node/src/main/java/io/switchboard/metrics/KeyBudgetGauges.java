package io.switchboard.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.switchboard.keys.ApiKey;
import io.switchboard.keys.ApiKeyActor;
import io.switchboard.keys.KeyAdmission;
import io.switchboard.keys.KeyDirectory;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code switchboard_key_budget_used_ratio{key_id, key_name}}: what each key with a budget has spent, as
 * a share of its budget (1 when it is used up), so an alert can warn before a team's requests start
 * failing with {@code insufficient_quota}. Keys without a budget, and revoked keys, have no series.
 *
 * <p>Like {@link ProviderGauges}, a scrape refreshes the figures only when they are older than
 * {@code maxAge}: the key list is read from the database and each budgeted key's actor asked for its
 * spend (the figure its admission enforces), at most once per {@code maxAge} however many scrape, and
 * never when nobody does. A key whose actor does not answer in time keeps no series until it does.
 */
public final class KeyBudgetGauges {
  static final Duration ASK_WAIT = Duration.ofSeconds(2);

  private final Supplier<CompletionStage<List<ApiKey>>> keys;
  private final Function<String, CompletionStage<ApiKeyActor.Budget>> budget;
  private final MultiGauge used;
  private final long maxAgeNanos;
  private final AtomicReference<Refresh> last = new AtomicReference<>();

  private record Refresh(long startedNanos, CompletableFuture<Void> done) {}

  private record Used(ApiKey key, double ratio) {}

  public KeyBudgetGauges(KeyDirectory directory, KeyAdmission admission, MeterRegistry registry, Duration maxAge) {
    this(directory::all, admission::budget, registry, maxAge);
  }

  KeyBudgetGauges(Supplier<CompletionStage<List<ApiKey>>> keys,
      Function<String, CompletionStage<ApiKeyActor.Budget>> budget, MeterRegistry registry, Duration maxAge) {
    this.keys = keys;
    this.budget = budget;
    this.maxAgeNanos = maxAge.toNanos();
    this.used = MultiGauge.builder("switchboard.key.budget.used.ratio")
        .description("What a key has spent, as a share of its budget (1: used up)")
        .register(registry);
  }

  /** Completes when the figures are at most {@code maxAge} old (or the reads gave up). */
  public CompletionStage<Void> refreshIfStale() {
    long now = System.nanoTime();
    Refresh current = last.get();
    if (current != null && now - current.startedNanos() < maxAgeNanos) return current.done();
    Refresh next = new Refresh(now, new CompletableFuture<>());
    if (!last.compareAndSet(current, next)) return last.get().done();
    keys.get().toCompletableFuture().orTimeout(ASK_WAIT.toMillis(), TimeUnit.MILLISECONDS)
        .thenCompose(all -> {
          List<CompletableFuture<Used>> asks = all.stream()
              .filter(k -> k.budgetUsd().isPresent() && k.revokedAt().isEmpty())
              .map(k -> budget.apply(k.id()).toCompletableFuture()
                  .orTimeout(ASK_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                  .thenApply(b -> new Used(k, ratio(b.spentUsd(), k.budgetUsd().get())))
                  .exceptionally(unanswered -> null))
              .toList();
          return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
              .thenApply(done -> asks.stream().map(CompletableFuture::join).filter(Objects::nonNull).toList());
        })
        .thenAccept(rows -> used.register(rows.stream()
            .map(u -> MultiGauge.Row.of(Tags.of("key_id", u.key().id(), "key_name", u.key().name()), u.ratio()))
            .toList(), true))
        .whenComplete((ok, failed) -> next.done().complete(null));
    return next.done();
  }

  static double ratio(BigDecimal spent, BigDecimal cap) {
    if (cap.signum() <= 0) return 1;
    return spent.divide(cap, MathContext.DECIMAL64).doubleValue();
  }
}
