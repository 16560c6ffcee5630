package io.switchboard.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.history.HistorySummary;
import io.switchboard.history.NodeHistory;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Gauges of each deployment's performance-history summary, by {@code deployment}
 * ({@code provider/upstream-model}), read from this node's copy of the summaries (no ask on a scrape):
 * {@code switchboard_history_outcomes}, {@code _error_rate}, {@code _latency_seconds} by
 * {@code quantile} (0.5, 0.9, 0.99), {@code _first_token_seconds} (p50), {@code _output_tokens_per_second},
 * {@code _cost_usd} (mean per successful call); and {@code switchboard_history_dropped_total}, the
 * outcomes this node dropped because its send buffer was full. A deployment this node starts to follow
 * later gets its gauges at the next {@link #sync}.
 */
public final class HistoryGauges {
  private final NodeHistory history;
  private final MeterRegistry registry;
  private final Set<String> registered = ConcurrentHashMap.newKeySet();

  public HistoryGauges(NodeHistory history, MeterRegistry registry) {
    this.history = history;
    this.registry = registry;
    FunctionCounter.builder("switchboard.history.dropped", history, NodeHistory::dropped)
        .description("Outcomes dropped because the node's history buffer was full").register(registry);
    sync();
  }

  /** Gauges kept in step with the deployments the node follows, checked every {@code interval}. */
  public static HistoryGauges start(ActorSystem<?> system, NodeHistory history, MeterRegistry registry,
      Duration interval) {
    HistoryGauges gauges = new HistoryGauges(history, registry);
    system.scheduler().scheduleWithFixedDelay(interval, interval, gauges::sync, system.executionContext());
    return gauges;
  }

  /** Registers the gauges of every deployment followed that has none yet. */
  public void sync() {
    for (String label : history.deployments()) {
      if (!registered.add(label)) continue;
      gauge("switchboard.history.outcomes", "Outcomes in the deployment's history", label, null, s -> s.outcomes());
      gauge("switchboard.history.error_rate", "Failed share of the history's outcomes", label, null, s -> s.errorRate());
      gauge("switchboard.history.latency_seconds", "Latency of successful calls", label, "0.5",
          s -> s.latencyP50Millis() / 1000.0);
      gauge("switchboard.history.latency_seconds", "Latency of successful calls", label, "0.9",
          s -> s.latencyP90Millis() / 1000.0);
      gauge("switchboard.history.latency_seconds", "Latency of successful calls", label, "0.99",
          s -> s.latencyP99Millis() / 1000.0);
      gauge("switchboard.history.first_token_seconds", "Median time to a stream's first event", label, "0.5",
          s -> s.firstTokenP50Millis() / 1000.0);
      gauge("switchboard.history.output_tokens_per_second", "Mean output pace of successful calls", label, null,
          s -> s.outputTokensPerSecond());
      gauge("switchboard.history.cost_usd", "Mean cost of a successful call", label, null, s -> s.meanCostUsd());
    }
  }

  private void gauge(String name, String description, String label, String quantile,
      ToDoubleFunction<HistorySummary> value) {
    Gauge.Builder<NodeHistory> builder = Gauge.builder(name, history, h -> value.applyAsDouble(h.summary(label)))
        .description(description).tag("deployment", label);
    if (quantile != null) builder = builder.tag("quantile", quantile);
    builder.register(registry);
  }
}
