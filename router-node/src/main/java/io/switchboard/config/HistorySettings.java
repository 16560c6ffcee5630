package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The capped performance history of every deployment ({@code switchboard.history}).
 *
 * @param size latest outcomes kept per deployment; memory per deployment is fixed by it
 * @param flushInterval how often a node sends the outcomes it buffered to the deployments' histories
 * @param bufferSize outcomes a node buffers between two sends; beyond it new outcomes are dropped and counted
 * @param refreshInterval how often a node refreshes its copy of every deployment's summary
 * @param checkpointInterval how often a history that changed is written to the store (one snapshot, never one write per call)
 */
public record HistorySettings(int size, Duration flushInterval, int bufferSize, Duration refreshInterval,
    Duration checkpointInterval) {
  public static final int DEFAULT_SIZE = 1000;
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofMillis(250);
  public static final int DEFAULT_BUFFER_SIZE = 10_000;
  public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(1);
  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(5);

  public static final HistorySettings DEFAULTS = new HistorySettings(DEFAULT_SIZE, DEFAULT_FLUSH_INTERVAL,
      DEFAULT_BUFFER_SIZE, DEFAULT_REFRESH_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL);

  public HistorySettings {
    if (size < 1 || size > 1_000_000) {
      throw new SettingsException("switchboard.history.size = " + size + " must be between 1 and 1000000");
    }
    if (bufferSize < 1) throw new SettingsException("switchboard.history.buffer-size must be at least 1");
    positive("flush-interval", flushInterval);
    positive("refresh-interval", refreshInterval);
    positive("checkpoint-interval", checkpointInterval);
  }

  static HistorySettings from(Config history) {
    return new HistorySettings(history.getInt("size"), history.getDuration("flush-interval"),
        history.getInt("buffer-size"), history.getDuration("refresh-interval"),
        history.getDuration("checkpoint-interval"));
  }

  public HistorySettings withSize(int newSize) {
    return new HistorySettings(newSize, flushInterval, bufferSize, refreshInterval, checkpointInterval);
  }

  private static void positive(String key, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new SettingsException("switchboard.history." + key + " = " + value + " must be positive");
    }
  }
}
