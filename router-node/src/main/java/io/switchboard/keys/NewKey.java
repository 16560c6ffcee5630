package io.switchboard.keys;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The body of {@code POST /admin/keys}. Only {@code name} is required.
 *
 * <pre>{@code
 * {"name": "team-search", "allowed_models": ["gpt-4o-mini"], "requests_per_minute": 60,
 *  "tokens_per_minute": 100000, "budget_usd": 25, "expires_at": "2027-01-01T00:00:00Z", "cache": true}
 * }</pre>
 */
public record NewKey(
    @JsonProperty("name") String name,
    @JsonProperty("allowed_models") List<String> allowedModels,
    @JsonProperty("requests_per_minute") Integer requestsPerMinute,
    @JsonProperty("tokens_per_minute") Long tokensPerMinute,
    @JsonProperty("budget_usd") BigDecimal budgetUsd,
    @JsonProperty("expires_at") String expiresAt,
    @JsonProperty("cache") Boolean cache) {

  /** Thrown for a body that names no valid key; its message names the field and what to send. */
  public static final class InvalidException extends IllegalArgumentException {
    private final String field;

    InvalidException(String field, String message) {
      super(message);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }

  /**
   * The key this asks for, checked.
   *
   * @param models the models the gateway serves: an allowed model it does not serve is a mistake
   */
  public ApiKey toKey(String id, Instant now, Set<String> models) {
    if (name == null || name.isBlank() || name.length() > 200) {
      throw new InvalidException("name", "'name' is required: a label of at most 200 characters saying who holds the key.");
    }
    Set<String> allowed = allowedModels == null ? Set.of() : Set.copyOf(allowedModels);
    for (String model : allowed) {
      if (!models.contains(model)) {
        throw new InvalidException("allowed_models", "'allowed_models' names '" + model + "', which this gateway does"
            + " not serve; it serves " + models.stream().sorted().toList() + ". Leave the list empty to allow every model.");
      }
    }
    int rpm = requestsPerMinute == null ? 0 : requestsPerMinute;
    if (rpm < 0) throw new InvalidException("requests_per_minute", "'requests_per_minute' must be 0 (no limit) or more.");
    long tpm = tokensPerMinute == null ? 0 : tokensPerMinute;
    if (tpm < 0) throw new InvalidException("tokens_per_minute", "'tokens_per_minute' must be 0 (no limit) or more.");
    if (budgetUsd != null && budgetUsd.signum() < 0) {
      throw new InvalidException("budget_usd", "'budget_usd' must not be negative; leave it out for no budget.");
    }
    Optional<Instant> expires = Optional.empty();
    if (expiresAt != null) {
      try {
        expires = Optional.of(Instant.parse(expiresAt));
      } catch (DateTimeParseException e) {
        throw new InvalidException("expires_at", "'expires_at' must be an ISO-8601 instant such as"
            + " 2027-01-01T00:00:00Z; got '" + expiresAt + "'.");
      }
      if (!expires.get().isAfter(now)) {
        throw new InvalidException("expires_at", "'expires_at' (" + expiresAt + ") is not in the future.");
      }
    }
    return new ApiKey(id, name.strip(), allowed, rpm, tpm, Optional.ofNullable(budgetUsd), expires,
        cache != null && cache, now, Optional.empty());
  }
}
