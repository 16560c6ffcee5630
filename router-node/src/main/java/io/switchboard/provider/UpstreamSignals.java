package io.switchboard.provider;

import io.switchboard.JsonSerializable;
import io.switchboard.ratelimit.RateLimitSignals;
import java.time.Duration;

/**
 * What an upstream said about its own limits in one answer's headers. Every value is 0 or less when
 * the upstream did not say. Small and flat, so it can travel in a {@code Release} to another node.
 *
 * @param pauseMillis how long the upstream asked not to be called (Retry-After or retry-after-ms; a
 *     limit's reset time is not a pause)
 */
public record UpstreamSignals(
    long pauseMillis, long limitRequests, long limitTokens, long remainingRequests, long remainingTokens)
    implements JsonSerializable {

  public static final UpstreamSignals NONE = new UpstreamSignals(0, 0, 0, -1, -1);

  public static UpstreamSignals pause(long millis) {
    return new UpstreamSignals(millis, 0, 0, -1, -1);
  }

  /** The upstream signals in an answer's rate-limit headers, flattened. */
  public static UpstreamSignals of(RateLimitSignals s) {
    return new UpstreamSignals(
        s.pause().map(Duration::toMillis).orElse(0L),
        s.limitRequests().orElse(0L),
        s.limitTokens().orElse(0L),
        s.remainingRequests().orElse(-1L),
        s.remainingTokens().orElse(-1L));
  }

  public boolean saysAnything() {
    return pauseMillis > 0 || limitRequests > 0 || limitTokens > 0 || remainingRequests >= 0 || remainingTokens >= 0;
  }
}
