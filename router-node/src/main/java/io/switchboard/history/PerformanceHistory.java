package io.switchboard.history;

/**
 * The capped performance history of every deployment, owned by the cluster. A deployment is named by
 * its label, {@code provider/upstream-model}.
 *
 * <p>{@link #summary} answers from this node's copy without a round trip (it is on the routing hot path);
 * {@link #record} never blocks the caller.
 */
public interface PerformanceHistory {

  /** Adds one outcome of {@code deployment} to its history. */
  void record(String deployment, Outcome outcome);

  /** The latest known summary of {@code deployment}'s history; {@link HistorySummary#EMPTY} when none. */
  HistorySummary summary(String deployment);
}
