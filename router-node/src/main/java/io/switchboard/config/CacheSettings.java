package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The response cache ({@code switchboard.cache}). Exact-match and opt-in: nothing is cached unless a
 * request (header {@code x-switchboard-cache: true}) or its API key asks for it.
 *
 * @param enabled whether the cache exists at all; false ignores every opt-in
 * @param ttl how long a stored answer is served, from when it was stored
 * @param maxBytes total size of the stored answers (bodies plus keys) before the least useful are evicted
 * @param maxEntryBytes a larger answer is not stored, so one huge answer cannot push out many small ones
 */
public record CacheSettings(boolean enabled, Duration ttl, long maxBytes, long maxEntryBytes) {

  static CacheSettings from(Config cache) {
    Duration ttl = cache.getDuration("ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new SettingsException("switchboard.cache.ttl = " + ttl + " must be positive");
    }
    long maxBytes = cache.getBytes("max-bytes");
    long maxEntry = cache.getBytes("max-entry-bytes");
    if (maxBytes < 1 || maxEntry < 1) {
      throw new SettingsException("switchboard.cache.max-bytes and max-entry-bytes must be at least 1 byte");
    }
    return new CacheSettings(cache.getBoolean("enabled"), ttl, maxBytes, maxEntry);
  }
}
