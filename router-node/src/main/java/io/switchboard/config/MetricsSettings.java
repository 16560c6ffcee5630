package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * {@code GET /metrics} and the per-provider statistics of {@code GET /admin/providers}
 * ({@code switchboard.metrics}).
 *
 * @param providerRefresh how often the provider gauges (queue depth, bucket levels, breaker) are read
 *     from the provider actors; a scrape reads the last snapshot and never asks an actor itself
 * @param statsWindow the window of a provider's request rate and success rate
 * @param latencySamples the latest calls per provider that its latency percentiles and average are taken over
 */
public record MetricsSettings(Duration providerRefresh, Duration statsWindow, int latencySamples) {

  static MetricsSettings from(Config metrics) {
    Duration refresh = metrics.getDuration("provider-refresh");
    Duration window = metrics.getDuration("stats-window");
    int samples = metrics.getInt("latency-samples");
    if (refresh.toMillis() < 1 || window.toSeconds() < 1) {
      throw new SettingsException("switchboard.metrics.provider-refresh must be positive and stats-window at least 1s");
    }
    if (samples < 1 || samples > 1_000_000) {
      throw new SettingsException("switchboard.metrics.latency-samples = " + samples + " must be 1 to 1000000");
    }
    return new MetricsSettings(refresh, window, samples);
  }
}
