package io.switchboard.provider;

import io.switchboard.JsonSerializable;
import io.switchboard.breaker.CircuitBreaker;
import io.switchboard.ratelimit.ProviderLimits;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a provider actor persists: its buckets (at their conservative floors), its pause, its breaker,
 * and the breakers of its upstream models that are not plainly closed ({@code modelBreakers}, by
 * upstream model), as of {@code savedAtEpochMillis}. A state saved before model breakers existed has
 * none: it reads as an empty map.
 */
public record ProviderState(long savedAtEpochMillis, ProviderLimits.Snapshot limits, CircuitBreaker.Snapshot breaker,
    Map<String, CircuitBreaker.Snapshot> modelBreakers) implements JsonSerializable {

  public ProviderState {
    modelBreakers = modelBreakers == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(modelBreakers));
  }

  /** A state without model breakers. */
  public ProviderState(long savedAtEpochMillis, ProviderLimits.Snapshot limits, CircuitBreaker.Snapshot breaker) {
    this(savedAtEpochMillis, limits, breaker, Map.of());
  }
}
