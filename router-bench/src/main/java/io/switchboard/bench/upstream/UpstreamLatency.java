package io.switchboard.bench.upstream;

import java.time.Duration;

/**
 * How long the fake upstream thinks before it answers: {@code base} for every call, and {@code tailDelay}
 * more for a seeded share {@code tailShare} of calls, the heavy tail a hedge is meant to cut. Which calls
 * are slow depends only on {@code seed} and the call's number (the n-th call the upstream answered), so a
 * run with the same seed delays the same calls, and two upstreams with different seeds are slow
 * independently of each other. Pure: the selection is tested without a socket or a clock.
 *
 * <p>A non-streamed answer is held back as a whole; a stream's first chunk waits that much longer.
 */
public record UpstreamLatency(Duration base, double tailShare, Duration tailDelay, long seed) {
  /** No think time: the fake upstream's behaviour before this record existed. */
  public static final UpstreamLatency NONE = new UpstreamLatency(Duration.ZERO, 0, Duration.ZERO, 0);

  public UpstreamLatency {
    if (base.isNegative() || tailDelay.isNegative()) throw new IllegalArgumentException("delays must not be negative");
    if (!(tailShare >= 0 && tailShare <= 1)) {
      throw new IllegalArgumentException("tail share must be within 0..1, was " + tailShare);
    }
  }

  /** Whether call number {@code call} (from 0) is one of the slow share. */
  public boolean inTail(long call) {
    if (tailShare == 0) return false;
    // The top 53 bits of a well-mixed 64-bit value are a uniform double in [0, 1).
    double draw = (mix(seed ^ mix(call)) >>> 11) * 0x1.0p-53;
    return draw < tailShare;
  }

  /** The think time of call number {@code call}: the base, plus the tail delay when it is in the tail. */
  public Duration delayOf(long call) {
    return inTail(call) ? base.plus(tailDelay) : base;
  }

  /** SplitMix64's finaliser: neighbouring inputs give unrelated outputs. */
  private static long mix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
