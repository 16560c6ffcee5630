package io.switchboard.keys;

import java.math.BigDecimal;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What a key's admission actor starts from: its limits (from the key table), what it has spent so
 * far, and what it used in the last minute (both from the usage ledger, the truth for cost and use).
 *
 * @param requestsLastMinute calls the ledger holds for the key from the last minute, taken from its
 *     requests-per-minute when it starts, so a restart does not hand it a fresh minute
 * @param tokensLastMinute likewise for its tokens-per-minute
 */
public record KeyState(int requestsPerMinute, long tokensPerMinute, Optional<BigDecimal> budgetUsd, BigDecimal spent,
    long requestsLastMinute, long tokensLastMinute) {

  /** A key with nothing used in the last minute. */
  public KeyState(int requestsPerMinute, long tokensPerMinute, Optional<BigDecimal> budgetUsd, BigDecimal spent) {
    this(requestsPerMinute, tokensPerMinute, budgetUsd, spent, 0, 0);
  }

  /** Reads a key's state; the actor calls it when it starts, so it also works where the actor moved to. */
  @FunctionalInterface
  public interface Loader {
    CompletionStage<KeyState> load(String keyId);
  }
}
