package io.switchboard.routing;

import io.switchboard.config.BalancingSettings;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One deployment's observed latency as this node saw it: an exponentially weighted moving average of
 * the time from sending a call to its response headers (or a stream's first event), fed by the
 * {@link Dispatcher}; a failed call counts as a penalty sample. Read by {@link LatencyBalancing}.
 *
 * <p>Lock-free: the average is a {@code double} kept as bits in an {@link AtomicLong} and updated by
 * compare-and-set, so the dispatcher threads that feed it and the request threads that read it never
 * block each other. Time comes from the caller (the dispatcher's injected clock), never from here.
 *
 * <p>A deployment that has had no sample for {@code probe-after} (or never had one) wants a probe: one
 * request, claimed by {@link #claimProbe}, so that a slow deployment that became fast, or a new one, is
 * measured again without sending it a burst. A sample arriving after such a gap replaces the stale
 * average instead of being blended into it.
 */
public final class LatencyEstimate {
  private static final long NEVER = Long.MIN_VALUE;

  private final double smoothing;
  private final long probeAfterMillis;
  private final long failurePenaltyMillis;
  private final AtomicLong averageBits = new AtomicLong(Double.doubleToRawLongBits(Double.NaN));
  private final AtomicLong lastSampleAt = new AtomicLong(NEVER);
  private final AtomicLong probeClaimedAt = new AtomicLong(NEVER);

  public LatencyEstimate(BalancingSettings settings) {
    this.smoothing = settings.latencySmoothing();
    this.probeAfterMillis = settings.latencyProbeAfter().toMillis();
    this.failurePenaltyMillis = settings.latencyFailurePenalty().toMillis();
  }

  /** A call that got its answer after {@code millis}, observed at {@code nowMillis}. */
  public void observe(long millis, long nowMillis) {
    long previous = lastSampleAt.getAndSet(nowMillis);
    boolean stale = previous == NEVER || nowMillis - previous >= probeAfterMillis;
    double sample = Math.max(0, millis);
    long bits;
    double next;
    do {
      bits = averageBits.get();
      double average = Double.longBitsToDouble(bits);
      next = stale || Double.isNaN(average) ? sample : average + smoothing * (sample - average);
    } while (!averageBits.compareAndSet(bits, Double.doubleToRawLongBits(next)));
  }

  /** A call that failed after {@code millis}: counts as the failure penalty, or as its time when longer. */
  public void failed(long millis, long nowMillis) {
    observe(Math.max(millis, failurePenaltyMillis), nowMillis);
  }

  /** The moving average in milliseconds; {@link Double#NaN} before the first sample. */
  public double averageMillis() {
    return Double.longBitsToDouble(averageBits.get());
  }

  /**
   * Takes the one probe this deployment wants at {@code nowMillis}: true for exactly one caller when
   * it has no sample younger than {@code probe-after} and no probe was claimed within that time.
   */
  public boolean claimProbe(long nowMillis) {
    long last = lastSampleAt.get();
    if (last != NEVER && nowMillis - last < probeAfterMillis) return false;
    long claimed = probeClaimedAt.get();
    if (claimed != NEVER && nowMillis - claimed < probeAfterMillis) return false;
    return probeClaimedAt.compareAndSet(claimed, nowMillis);
  }
}
