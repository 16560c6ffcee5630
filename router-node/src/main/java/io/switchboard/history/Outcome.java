package io.switchboard.history;

import java.math.BigDecimal;

/**
 * What one call to a deployment came to, as its performance history keeps it.
 *
 * @param atEpochMillis when the call ended
 * @param latencyMillis from sending the request to the last byte
 * @param firstTokenMillis to the first content token of a stream; -1 for a call that was not streamed
 *     or failed before one
 * @param outputTokensPerSecond output tokens over the time after the first token (or the whole call); 0 on failure
 * @param error {@code null} for a success, otherwise its kind (e.g. {@code rate_limited}, {@code server_error},
 *     {@code timeout}, {@code context_exceeded})
 * @param costUsd what the call cost
 */
public record Outcome(long atEpochMillis, long latencyMillis, long firstTokenMillis, double outputTokensPerSecond,
    String error, BigDecimal costUsd) {

  public boolean success() {
    return error == null;
  }
}
