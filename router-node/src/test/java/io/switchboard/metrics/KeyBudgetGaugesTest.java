package io.switchboard.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.keys.ApiKey;
import io.switchboard.keys.ApiKeyActor;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code switchboard_key_budget_used_ratio}: one series per unrevoked key with a budget, spent over
 * budget; a key revoked since the last scrape loses its series.
 */
@Tag("unit")
class KeyBudgetGaugesTest {
  private static final Instant CREATED = Instant.parse("2026-12-01T00:00:00Z");

  private static ApiKey key(String id, BigDecimal budget, boolean revoked) {
    return new ApiKey(id, "team-" + id, Set.of(), 0, 0, Optional.ofNullable(budget), Optional.empty(), false, CREATED,
        revoked ? Optional.of(CREATED) : Optional.empty());
  }

  private static Map<String, Double> series(SimpleMeterRegistry registry) {
    Map<String, Double> values = new TreeMap<>();
    for (Gauge g : registry.find("switchboard.key.budget.used.ratio").gauges()) {
      values.put(g.getId().getTag("key_id"), g.value());
    }
    return values;
  }

  @Test
  void budgetedKeysOnly_eachAsSpentOverBudgetAtTheLastRefresh_andARevokedKeyLosesItsSeries() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Map<String, BigDecimal> spent = new java.util.HashMap<>(
        Map.of("a", new BigDecimal("2.5"), "b", new BigDecimal("5"), "c", BigDecimal.ONE));
    List<List<ApiKey>> listings = new java.util.ArrayList<>(List.of(
        List.of(key("a", BigDecimal.TEN, false), key("b", BigDecimal.TEN, false), key("c", null, false),
            key("d", BigDecimal.TEN, true)),
        List.of(key("a", BigDecimal.TEN, true), key("b", BigDecimal.TEN, false))));
    KeyBudgetGauges gauges = new KeyBudgetGauges(() -> CompletableFuture.completedFuture(listings.remove(0)),
        id -> CompletableFuture.completedFuture(new ApiKeyActor.Budget(spent.get(id), BigDecimal.ZERO, BigDecimal.TEN, 0)),
        registry, Duration.ZERO);

    gauges.refreshIfStale().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(Map.of("a", 0.25, "b", 0.5), series(registry));

    spent.put("b", BigDecimal.TEN);
    gauges.refreshIfStale().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(Map.of("b", 1.0), series(registry));
  }

  @Test
  void aZeroBudget_isUsedUp() {
    assertEquals(1.0, KeyBudgetGauges.ratio(BigDecimal.ZERO, BigDecimal.ZERO));
    assertEquals(0.5, KeyBudgetGauges.ratio(BigDecimal.ONE, new BigDecimal("2")));
  }
}
