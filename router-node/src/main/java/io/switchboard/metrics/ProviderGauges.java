package io.switchboard.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.provider.ProviderActor;
import io.switchboard.provider.ProviderHandle;
import io.switchboard.provider.Providers;
import io.switchboard.ratelimit.ProviderLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

/**
 * Gauges of each provider's admission state: requests queued and in flight with their bounds, every
 * token bucket's level and limit, the provider's breaker and each upstream model's
 * ({@code switchboard_provider_model_breaker_state{provider,model}}), as {@code 0} closed, {@code 1}
 * half-open, {@code 2} open.
 *
 * <p>Gauges read the last {@link ProviderActor.Status} snapshot held here. A scrape refreshes the
 * snapshots (one {@code GetStatus} per provider) only when they are older than {@code maxAge}, so
 * however many scrapers there are, the actors are asked at most once per {@code maxAge}, and no timer
 * asks them when nobody scrapes. This needs nothing from the actor beyond its existing status query,
 * wherever the actor lives. A provider that does not answer in time keeps its previous values.
 */
public final class ProviderGauges {
  static final Duration ASK_WAIT = Duration.ofSeconds(2);

  private final Providers providers;
  private final MeterRegistry registry;
  private final long maxAgeNanos;
  private final Map<String, ProviderActor.Status> latest = new ConcurrentHashMap<>();
  private final Set<String> bucketGauges = ConcurrentHashMap.newKeySet();
  private final Set<String> modelBreakerGauges = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Refresh> last = new AtomicReference<>();

  private record Refresh(long startedNanos, CompletableFuture<Void> done) {}

  public ProviderGauges(Providers providers, MeterRegistry registry, Duration maxAge) {
    this.providers = providers;
    this.registry = registry;
    this.maxAgeNanos = maxAge.toNanos();
    for (String id : providers.all().keySet()) {
      gauge("switchboard.provider.queue.depth", "Requests waiting for admission", id, s -> s.queued());
      gauge("switchboard.provider.in_flight", "Admitted requests not yet released", id, s -> s.inFlight());
      gauge("switchboard.provider.queue.capacity", "Requests the queue holds at most", id, s -> s.queueCapacity());
      gauge("switchboard.provider.max_in_flight", "Requests admitted at once at most", id, s -> s.maxInFlight());
      gauge("switchboard.provider.breaker.state", "Circuit breaker: 0 closed, 1 half-open, 2 open", id,
          s -> breakerValue(s.breaker()));
    }
  }

  /** Completes when the snapshots are at most {@code maxAge} old (or the asks gave up). */
  public CompletionStage<Void> refreshIfStale() {
    long now = System.nanoTime();
    Refresh current = last.get();
    if (current != null && now - current.startedNanos() < maxAgeNanos) return current.done();
    Refresh next = new Refresh(now, new CompletableFuture<>());
    if (!last.compareAndSet(current, next)) return last.get().done();
    List<CompletableFuture<Void>> asks = new ArrayList<>();
    for (Map.Entry<String, ProviderHandle> e : providers.all().entrySet()) {
      asks.add(e.getValue().status().toCompletableFuture()
          .orTimeout(ASK_WAIT.toMillis(), TimeUnit.MILLISECONDS)
          .thenAccept(this::publish)
          .exceptionally(unanswered -> null));
    }
    CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).whenComplete((ok, e) -> next.done().complete(null));
    return next.done();
  }

  private void publish(ProviderActor.Status status) {
    latest.put(status.provider(), status);
    // A model's breaker appears when the model is first asked for: its gauge is added when first seen.
    for (String model : status.modelBreakers().keySet()) {
      if (modelBreakerGauges.add(status.provider() + '\0' + model)) {
        Gauge.builder("switchboard.provider.model_breaker.state", this, self -> {
              ProviderActor.Status s = self.latest.get(status.provider());
              return s == null || !s.modelBreakers().containsKey(model) ? Double.NaN
                  : breakerValue(s.modelBreakers().get(model).state());
            })
            .description("Circuit breaker of one upstream model of the provider: 0 closed, 1 half-open, 2 open")
            .tags("provider", status.provider(), "model", model)
            .strongReference(true)
            .register(registry);
      }
    }
    for (ProviderLimits.BucketStatus b : status.buckets()) {
      String scope = b.scope().equals(ProviderLimits.PROVIDER_SCOPE) ? "provider" : b.scope();
      String dimension = b.dimension().name().toLowerCase(Locale.ROOT);
      // Buckets can appear after start-up (limits learned from headers): their gauges are added when first seen.
      if (bucketGauges.add(status.provider() + '\0' + scope + '\0' + dimension)) {
        Gauge.builder("switchboard.provider.bucket.level", this, self -> self.level(status.provider(), b.scope(),
                b.dimension()))
            .description("What a token bucket holds now (requests or tokens), of its per-minute limit")
            .tags("provider", status.provider(), "scope", scope, "dimension", dimension)
            .strongReference(true)
            .register(registry);
        Gauge.builder("switchboard.provider.bucket.limit", this, self -> self.limit(status.provider(), b.scope(),
                b.dimension()))
            .description("A token bucket's per-minute limit (configured or learned from the upstream's headers)")
            .tags("provider", status.provider(), "scope", scope, "dimension", dimension)
            .strongReference(true)
            .register(registry);
      }
    }
  }

  private double limit(String provider, String scope, ProviderLimits.Dimension dimension) {
    ProviderActor.Status s = latest.get(provider);
    if (s == null) return Double.NaN;
    for (ProviderLimits.BucketStatus b : s.buckets()) {
      if (b.scope().equals(scope) && b.dimension() == dimension) return b.limitPerMinute();
    }
    return Double.NaN;
  }

  private double level(String provider, String scope, ProviderLimits.Dimension dimension) {
    ProviderActor.Status s = latest.get(provider);
    if (s == null) return Double.NaN;
    for (ProviderLimits.BucketStatus b : s.buckets()) {
      if (b.scope().equals(scope) && b.dimension() == dimension) return b.level();
    }
    return Double.NaN;
  }

  private void gauge(String name, String description, String provider, ToDoubleFunction<ProviderActor.Status> read) {
    Gauge.builder(name, this, self -> {
          ProviderActor.Status s = self.latest.get(provider);
          return s == null ? Double.NaN : read.applyAsDouble(s);
        })
        .description(description)
        .tag("provider", provider)
        .strongReference(true)
        .register(registry);
  }

  static double breakerValue(String state) {
    return switch (state) {
      case "closed" -> 0;
      case "half_open" -> 1;
      case "open" -> 2;
      default -> Double.NaN;
    };
  }
}
