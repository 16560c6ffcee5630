package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How this node balances an alias's deployments ({@code switchboard.balancing}); which strategy an
 * alias uses is the alias's own {@code strategy}.
 *
 * @param loadRefreshInterval how often the in-flight counts of providers used by {@code least-busy}
 *     aliases are asked for; between two answers this node adds its own picks
 * @param latencySmoothing weight of a new latency sample in the moving average, in (0, 1]
 * @param latencyProbeAfter a deployment without a latency sample for this long gets one request again,
 *     so a slow one that became fast is noticed
 * @param latencyFailurePenalty the latency a failed call counts as (or the time it took, when longer)
 */
public record BalancingSettings(
    Duration loadRefreshInterval, double latencySmoothing, Duration latencyProbeAfter, Duration latencyFailurePenalty) {

  public static final BalancingSettings DEFAULTS =
      new BalancingSettings(Duration.ofMillis(200), 0.2, Duration.ofSeconds(10), Duration.ofSeconds(30));

  static BalancingSettings from(Config b) {
    String path = "switchboard.balancing.";
    Duration refresh = b.getDuration("load-refresh-interval");
    if (refresh.toMillis() < 10) {
      throw new SettingsException(path + "load-refresh-interval = " + refresh.toMillis() + "ms must be at least 10ms");
    }
    double smoothing = b.getDouble("latency.smoothing");
    if (!(smoothing > 0 && smoothing <= 1)) {
      throw new SettingsException(path + "latency.smoothing = " + smoothing + " must be above 0 and at most 1");
    }
    Duration probe = b.getDuration("latency.probe-after");
    if (probe.isNegative() || probe.isZero()) {
      throw new SettingsException(path + "latency.probe-after must be positive");
    }
    Duration penalty = b.getDuration("latency.failure-penalty");
    if (penalty.isNegative()) throw new SettingsException(path + "latency.failure-penalty must not be negative");
    return new BalancingSettings(refresh, smoothing, probe, penalty);
  }
}
