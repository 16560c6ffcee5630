package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The operator's console at {@code /console} ({@code switchboard.console}).
 *
 * @param enabled whether {@code /console} is served at all
 * @param sessionTtl how long a login lasts; the session is then forgotten and the admin key asked again
 * @param maxSessions sessions kept at once; a login past it ends the oldest session
 * @param secureCookie whether the session cookie carries {@code Secure} (on behind TLS)
 * @param liveRequests the latest requests the live view keeps
 * @param seriesInterval the width of one bucket of the overview's time series
 * @param seriesBuckets how many buckets the series keep (interval x buckets: the span shown)
 */
public record ConsoleSettings(boolean enabled, Duration sessionTtl, int maxSessions, boolean secureCookie,
    int liveRequests, Duration seriesInterval, int seriesBuckets) {

  public static final ConsoleSettings DEFAULT =
      new ConsoleSettings(true, Duration.ofHours(8), 64, false, 200, Duration.ofSeconds(5), 720);

  static ConsoleSettings from(Config console) {
    ConsoleSettings s = new ConsoleSettings(console.getBoolean("enabled"), console.getDuration("session-ttl"),
        console.getInt("max-sessions"), console.getBoolean("secure-cookie"), console.getInt("live-requests"),
        console.getDuration("series-interval"), console.getInt("series-buckets"));
    if (s.sessionTtl.toSeconds() < 1 || s.maxSessions < 1 || s.maxSessions > 100_000) {
      throw new SettingsException("switchboard.console.session-ttl must be at least 1s and max-sessions 1 to 100000");
    }
    if (s.liveRequests < 1 || s.liveRequests > 100_000 || s.seriesBuckets < 1 || s.seriesBuckets > 100_000
        || s.seriesInterval.toMillis() < 100) {
      throw new SettingsException("switchboard.console.live-requests and series-buckets must be 1 to 100000, and"
          + " series-interval at least 100ms");
    }
    return s;
  }
}
