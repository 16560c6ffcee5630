package io.switchboard.keys;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * A virtual key as stored, without its secret (only {@link KeyStore} sees the digest).
 *
 * @param allowedModels model names (as clients ask for them) the key may use; empty: every model
 * @param requestsPerMinute 0: no limit of its own
 * @param tokensPerMinute 0: no limit of its own
 * @param budgetUsd the hard cap on what the key may spend in total; empty: none
 * @param cache whether the key opted in to the response cache
 */
public record ApiKey(String id, String name, Set<String> allowedModels, int requestsPerMinute, long tokensPerMinute,
    Optional<BigDecimal> budgetUsd, Optional<Instant> expiresAt, boolean cache, Instant createdAt,
    Optional<Instant> revokedAt) {

  public ApiKey {
    allowedModels = Set.copyOf(allowedModels);
  }

  public boolean mayUse(String model) {
    return allowedModels.isEmpty() || allowedModels.contains(model);
  }

  /** Why the key cannot be used at {@code now}, or empty when it can. */
  public Optional<String> unusableBecause(Instant now) {
    if (revokedAt.isPresent()) return Optional.of("was revoked at " + revokedAt.get());
    if (expiresAt.isPresent() && !now.isBefore(expiresAt.get())) return Optional.of("expired at " + expiresAt.get());
    return Optional.empty();
  }

  /** Whether requests with this key go through its own admission actor (limits or a budget to hold). */
  public boolean limited() {
    return requestsPerMinute > 0 || tokensPerMinute > 0 || budgetUsd.isPresent();
  }
}
