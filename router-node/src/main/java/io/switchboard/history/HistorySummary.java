package io.switchboard.history;

/**
 * What a deployment's capped history says of it, computed over its latest outcomes; what the scorer
 * reads. All figures are over successes except {@code errorRate}; {@link #EMPTY} when nothing is known.
 *
 * @param outcomes how many outcomes the summary covers (at most the history's size)
 * @param errorRate failures over outcomes, 0 to 1
 */
public record HistorySummary(int outcomes, double errorRate, long latencyP50Millis, long latencyP90Millis,
    long latencyP99Millis, long firstTokenP50Millis, double outputTokensPerSecond, double meanCostUsd) {

  public static final HistorySummary EMPTY = new HistorySummary(0, 0, 0, 0, 0, 0, 0, 0);

  public boolean known() {
    return outcomes > 0;
  }
}
