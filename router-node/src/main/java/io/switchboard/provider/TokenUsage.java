package io.switchboard.provider;

import io.switchboard.JsonSerializable;

/** Tokens an upstream call used, as the upstream reported them. */
public record TokenUsage(int promptTokens, int completionTokens) implements JsonSerializable {

  public int total() {
    return promptTokens + completionTokens;
  }
}
