package io.switchboard.orchestration;

import io.switchboard.history.HistorySummary;
import io.switchboard.history.Outcome;
import io.switchboard.history.PerformanceHistory;

/** A history that remembers nothing: every candidate is unknown, so the scorer ranks by cost and quality alone. */
public final class NoHistory implements PerformanceHistory {
  public static final NoHistory INSTANCE = new NoHistory();

  private NoHistory() {}

  @Override
  public void record(String deployment, Outcome outcome) {}

  @Override
  public HistorySummary summary(String deployment) {
    return HistorySummary.EMPTY;
  }
}
