package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Session affinity ({@code switchboard.affinity}): the requests of one conversation keep to the
 * deployment that last served it, so the provider's prompt cache hits.
 *
 * @param enabled off: every request is balanced on its own
 * @param header the request header naming the session; it wins over the body's user field
 * @param userField whether OpenAI's {@code user} (Anthropic's {@code metadata.user_id}) names the session too
 * @param maxSessions sessions remembered per node; the least recently used go first beyond it
 * @param expireAfterAccess a session not seen for this long is forgotten
 */
public record AffinitySettings(boolean enabled, String header, boolean userField, long maxSessions,
    Duration expireAfterAccess) {
  public static final String DEFAULT_HEADER = "x-switchboard-session";
  public static final long DEFAULT_MAX_SESSIONS = 100_000;
  public static final Duration DEFAULT_EXPIRE_AFTER_ACCESS = Duration.ofMinutes(30);

  public static final AffinitySettings DEFAULTS = new AffinitySettings(true, DEFAULT_HEADER, true,
      DEFAULT_MAX_SESSIONS, DEFAULT_EXPIRE_AFTER_ACCESS);

  public AffinitySettings {
    if (header == null || header.isBlank()) throw new SettingsException("switchboard.affinity.header must not be empty");
    if (maxSessions < 1) throw new SettingsException("switchboard.affinity.max-sessions must be at least 1");
    if (expireAfterAccess.isNegative() || expireAfterAccess.isZero()) {
      throw new SettingsException("switchboard.affinity.expire-after-access = " + expireAfterAccess + " must be positive");
    }
  }

  static AffinitySettings from(Config affinity) {
    return new AffinitySettings(affinity.getBoolean("enabled"), affinity.getString("header"),
        affinity.getBoolean("user-field"), affinity.getLong("max-sessions"),
        affinity.getDuration("expire-after-access"));
  }
}
