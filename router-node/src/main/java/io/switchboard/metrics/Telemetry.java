package io.switchboard.metrics;

import io.switchboard.history.Outcome;
import io.switchboard.history.PerformanceHistory;
import io.switchboard.history.HistorySummary;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.TokenUsage;
import io.switchboard.routing.DispatchListener;
import io.switchboard.routing.Deployment;
import java.time.Clock;

/**
 * Where the request path reports what happened: the {@link io.switchboard.routing.Dispatcher}'s events
 * and the chat path's own (a request served or failed, a stream's first event, a cache lookup) go to
 * the Prometheus meters ({@link GatewayMetrics}) and the per-provider statistics
 * ({@link ProviderStatistics}), and every upstream call's end to the deployments' performance history.
 */
public final class Telemetry implements DispatchListener {
  private final GatewayMetrics metrics;
  private final ProviderStatistics statistics;
  private final HistoryFeed history;

  /** Telemetry that keeps no performance history. */
  public Telemetry(GatewayMetrics metrics, ProviderStatistics statistics) {
    this(metrics, statistics, NO_HISTORY, Clock.systemUTC());
  }

  public Telemetry(GatewayMetrics metrics, ProviderStatistics statistics, PerformanceHistory history, Clock clock) {
    this.metrics = metrics;
    this.statistics = statistics;
    this.history = new HistoryFeed(history, clock);
  }

  private static final PerformanceHistory NO_HISTORY = new PerformanceHistory() {
    @Override
    public void record(String deployment, Outcome outcome) {}

    @Override
    public HistorySummary summary(String deployment) {
      return HistorySummary.EMPTY;
    }
  };

  public GatewayMetrics metrics() {
    return metrics;
  }

  public ProviderStatistics statistics() {
    return statistics;
  }

  @Override
  public void admission(Deployment deployment, long waitNanos, boolean granted) {
    metrics.admissionWait(deployment.provider().id(), waitNanos, granted);
  }

  @Override
  public void retrying(Deployment deployment) {
    metrics.retry(deployment.provider().id());
  }

  @Override
  public void fallingBack(Deployment from, Deployment to) {
    metrics.fallback(from.model(), from.provider().id(), to.provider().id());
  }

  @Override
  public void callEnded(Deployment deployment, CallOutcome outcome, long nanos) {
    callEnded(deployment, outcome, nanos, -1);
  }

  /**
   * As {@link #callEnded(Deployment, CallOutcome, long)}, for a stream whose first event came
   * {@code firstEventNanos} after the call was sent (-1: a whole answer).
   */
  public void callEnded(Deployment deployment, CallOutcome outcome, long nanos, long firstEventNanos) {
    statistics.record(deployment.provider().id(), outcome, nanos);
    history.ended(deployment, outcome, nanos, firstEventNanos);
  }

  /**
   * A chat request ended: served by {@code deployment} (null when none served it) with {@code usage}
   * (null when unknown), after {@code nanos}; {@code errorType} null when it succeeded.
   */
  public void requestEnded(String model, Deployment deployment, TokenUsage usage, long nanos, String errorType) {
    GatewayMetrics.Call call = call(model, deployment);
    metrics.operation(call, nanos, errorType);
    metrics.tokens(call, usage);
    if (deployment != null && usage != null) {
      metrics.spend(call, deployment.settings().pricing().cost(usage.promptTokens(), usage.completionTokens())
          .doubleValue());
    }
  }

  /**
   * One candidate call of a fan-out to {@code model} ended: its tokens and spend are counted; the request
   * itself is counted once, when the fan-out ends ({@link #requestEnded}).
   */
  public void candidateEnded(String model, Deployment deployment, TokenUsage usage) {
    GatewayMetrics.Call call = call(model, deployment);
    metrics.tokens(call, usage);
    if (deployment != null && usage != null) {
      metrics.spend(call, deployment.settings().pricing().cost(usage.promptTokens(), usage.completionTokens())
          .doubleValue());
    }
  }

  /** A stream's first event was ready for the client {@code nanos} after the request arrived. */
  public void firstEvent(String model, Deployment deployment, long nanos) {
    metrics.timeToFirstToken(call(model, deployment), nanos);
  }

  /** A fan-out ended with {@code outcome}; see {@link GatewayMetrics#fanOutEnded}. */
  public void fanOutEnded(String fanOut, String strategy, String outcome) {
    metrics.fanOutEnded(fanOut, strategy, outcome);
  }

  public void hedgeFired(String fanOut) {
    metrics.hedgeFired(fanOut);
  }

  public void hedgeWon(String fanOut) {
    metrics.hedgeWon(fanOut);
  }

  /** What the performance history knows of {@code deployment} (a hedge delay may follow it). */
  public HistorySummary summary(String deployment) {
    return history.summary(deployment);
  }

  public void cacheLookup(boolean hit) {
    if (hit) metrics.cacheHit();
    else metrics.cacheMiss();
  }

  private static GatewayMetrics.Call call(String model, Deployment d) {
    if (d == null) return new GatewayMetrics.Call(model, "", "");
    return new GatewayMetrics.Call(model, d.provider().settings().kind().configName(), d.provider().id());
  }
}
