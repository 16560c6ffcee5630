package io.switchboard.provider;

import io.switchboard.JsonSerializable;

/** Tokens an upstream call used, as the upstream reported them. */
public record TokenUsage(int promptTokens, int completionTokens) implements JsonSerializable {

  /** Both counts added, saturating at {@link Integer#MAX_VALUE}; a negative count (a broken upstream) adds nothing. */
  public int total() {
    return (int) Math.min(Integer.MAX_VALUE, (long) Math.max(0, promptTokens) + Math.max(0, completionTokens));
  }
}
