package io.switchboard.provider;

import io.switchboard.JsonSerializable;
import io.switchboard.breaker.CircuitBreaker;
import io.switchboard.ratelimit.ProviderLimits;

/**
 * What a provider actor persists: its buckets (at their conservative floors), its pause, and its
 * breaker, as of {@code savedAtEpochMillis}.
 */
public record ProviderState(long savedAtEpochMillis, ProviderLimits.Snapshot limits, CircuitBreaker.Snapshot breaker)
    implements JsonSerializable {}
