package io.switchboard.metrics;

import io.switchboard.history.HistorySummary;
import io.switchboard.history.Outcome;
import io.switchboard.history.PerformanceHistory;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.TokenUsage;
import io.switchboard.routing.Deployment;
import java.math.BigDecimal;
import java.time.Clock;

/**
 * Turns each upstream call's end, as the dispatcher and the pipeline report it, into an {@link Outcome}
 * of the deployment's {@link PerformanceHistory}. A call that was never sent (or whose client left before
 * the answer began) is not an outcome of the deployment, nor is a refusal that was the request's own
 * fault (a 4xx other than 429): the history describes the deployment, not its callers.
 */
final class HistoryFeed {
  static final String RATE_LIMITED = "rate_limited";
  static final String PROVIDER_ERROR = "provider_error";

  private final PerformanceHistory history;
  private final Clock clock;

  HistoryFeed(PerformanceHistory history, Clock clock) {
    this.history = history;
    this.clock = clock;
  }

  HistorySummary summary(String deployment) {
    return history.summary(deployment);
  }

  /**
   * @param nanos from sending the call to its end (a stream's last event)
   * @param firstEventNanos from sending to a stream's first event; -1 for a whole answer
   */
  void ended(Deployment deployment, CallOutcome outcome, long nanos, long firstEventNanos) {
    long latencyMillis = nanos / 1_000_000;
    Outcome o = null;
    if (outcome instanceof CallOutcome.Succeeded ok) {
      o = succeeded(deployment, ok.usage(), nanos, firstEventNanos);
    } else if (outcome instanceof CallOutcome.Failed failed && (failed.rateLimited() || failed.providerFault())) {
      o = new Outcome(clock.millis(), latencyMillis, -1, 0, failed.rateLimited() ? RATE_LIMITED : PROVIDER_ERROR, null);
    }
    if (o != null) history.record(deployment.label(), o);
  }

  private Outcome succeeded(Deployment deployment, TokenUsage usage, long nanos, long firstEventNanos) {
    long firstTokenMillis = firstEventNanos < 0 ? -1 : firstEventNanos / 1_000_000;
    if (usage == null) return new Outcome(clock.millis(), nanos / 1_000_000, firstTokenMillis, 0, null, null);
    // Output pace: over the time after the first event for a stream, over the whole call otherwise.
    long generatingNanos = firstEventNanos >= 0 && nanos > firstEventNanos ? nanos - firstEventNanos : nanos;
    double perSecond = generatingNanos <= 0 ? 0 : Math.max(0, usage.completionTokens()) * 1e9 / generatingNanos;
    BigDecimal cost = deployment.settings().pricing().cost(usage.promptTokens(), usage.completionTokens());
    return new Outcome(clock.millis(), nanos / 1_000_000, firstTokenMillis, perSecond, null, cost);
  }
}
