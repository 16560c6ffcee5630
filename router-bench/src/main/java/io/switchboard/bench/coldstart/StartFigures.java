package io.switchboard.bench.coldstart;

import java.util.Arrays;

/**
 * What one fresh start of a node showed, from its load curve: completed requests in each second of a
 * saturating closed loop that began the moment {@code /ready} said 200. The warm rate is the curve's
 * last {@code window} seconds, so each start is judged against its own warm self; the target
 * is that the first {@code window} seconds reach at least {@value #TARGET} of it.
 *
 * @param readySeconds from the process's start to the first 200 of {@code /ready}
 * @param firstRate requests per second over the first {@code window} seconds of load
 * @param warmRate requests per second over the last {@code window} seconds of load
 * @param firstP99Micros p99 latency of the requests completed in the first {@code window} seconds
 * @param secondsTo80 seconds of load until a one-second slice first reached 80% of the warm rate
 *     (the end of that second), or NaN if none did
 * @param cpuCores the node's CPU in the first {@code window} seconds of load, in cores
 * @param jitCores of which its JIT compiler threads, in cores
 * @param failed requests that failed during the load
 */
public record StartFigures(double readySeconds, double firstRate, double warmRate, long firstP99Micros,
    double secondsTo80, double cpuCores, double jitCores, long failed) {
  /** Issue 18's target: the first 10 s of load reach this share of the warm throughput. */
  public static final double TARGET = 0.8;

  /** First-window throughput as a share of warm; NaN when the warm rate is zero. */
  public double warmShare() {
    return warmRate <= 0 ? Double.NaN : firstRate / warmRate;
  }

  /** Requests per second over slices {@code [from, to)} of a curve of one-second slices. */
  static double rate(long[] perSecond, int from, int to) {
    if (to <= from) return Double.NaN;
    return Arrays.stream(perSecond, from, to).sum() / (double) (to - from);
  }

  /** The mean rate of the first {@code window} one-second slices. */
  public static double firstRate(long[] perSecond, int window) {
    return rate(perSecond, 0, Math.min(window, perSecond.length));
  }

  /** The mean rate of the last {@code window} one-second slices. */
  public static double warmRate(long[] perSecond, int window) {
    return rate(perSecond, Math.max(0, perSecond.length - window), perSecond.length);
  }

  /**
   * Seconds until a one-second slice first completed at least {@code share} of {@code warmRate}: the
   * end of that slice ({@code 1} when the very first second did), or NaN if none did.
   */
  public static double secondsTo(long[] perSecond, double warmRate, double share) {
    if (!(warmRate > 0)) return Double.NaN;
    for (int i = 0; i < perSecond.length; i++) {
      if (perSecond[i] >= share * warmRate) return i + 1;
    }
    return Double.NaN;
  }
}
