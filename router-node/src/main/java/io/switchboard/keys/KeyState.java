package io.switchboard.keys;

import java.math.BigDecimal;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What a key's admission actor starts from: its limits (from the key table) and what it has spent so
 * far (from the usage ledger, the truth for cost).
 */
public record KeyState(int requestsPerMinute, long tokensPerMinute, Optional<BigDecimal> budgetUsd, BigDecimal spent) {

  /** Reads a key's state; the actor calls it when it starts, so it also works where the actor moved to. */
  @FunctionalInterface
  public interface Loader {
    CompletionStage<KeyState> load(String keyId);
  }
}
