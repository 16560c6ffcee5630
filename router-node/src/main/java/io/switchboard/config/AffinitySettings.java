package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Session affinity ({@code switchboard.affinity}): the requests of one conversation keep to the
 * deployment that last served it, so the provider's prompt cache hits. A conversation is named by the
 * request header {@code x-switchboard-session}, or else (with {@code userField}) by OpenAI's {@code user}
 * field (Anthropic's {@code metadata.user_id}).
 *
 * @param enabled off: every request is balanced on its own
 * @param userField whether the body's user field names the conversation when the header does not
 * @param maxSessions conversations remembered per node; the least recently used go first beyond it
 * @param expireAfterAccess a conversation not seen for this long is forgotten
 */
public record AffinitySettings(boolean enabled, boolean userField, long maxSessions, Duration expireAfterAccess) {
  public static final long DEFAULT_MAX_SESSIONS = 100_000;
  public static final Duration DEFAULT_EXPIRE_AFTER_ACCESS = Duration.ofMinutes(30);

  public static final AffinitySettings DEFAULTS =
      new AffinitySettings(true, true, DEFAULT_MAX_SESSIONS, DEFAULT_EXPIRE_AFTER_ACCESS);

  public AffinitySettings {
    if (maxSessions < 1) throw new SettingsException("switchboard.affinity.max-sessions must be at least 1");
    if (expireAfterAccess.isNegative() || expireAfterAccess.isZero()) {
      throw new SettingsException("switchboard.affinity.expire-after-access = " + expireAfterAccess + " must be positive");
    }
  }

  static AffinitySettings from(Config affinity) {
    return new AffinitySettings(affinity.getBoolean("enabled"), affinity.getBoolean("user-field"),
        affinity.getLong("max-sessions"), affinity.getDuration("expire-after-access"));
  }
}
