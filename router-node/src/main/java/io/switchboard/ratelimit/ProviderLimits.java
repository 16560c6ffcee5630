package io.switchboard.ratelimit;

import io.switchboard.JsonSerializable;
import io.switchboard.config.ProviderSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A provider's token buckets: requests and tokens per minute, for the provider as a whole and for
 * single upstream models where their limits differ, configured or learned from the upstream's
 * headers. A request must fit every bucket that applies to it.
 *
 * <p>Persistence is conservative. Each bucket may spend only an <em>allowance</em> between two
 * checkpoints, and a checkpoint records the bucket's level minus that allowance, as if it had already
 * been spent. Restored after a crash, a bucket therefore never holds more than it really had, however
 * much of the allowance was spent before the crash: a restart cannot let through a burst the provider
 * would reject. The price is one write per allowance spent, off the request path unless spending
 * outruns the checkpoints (then admission waits for the write).
 *
 * <p>Which buckets exist, and where their limits come from, is {@link ProviderBuckets}'s part; each
 * bucket's allowance is kept by its {@link GuardedBucket}. This class answers admission's questions
 * over the buckets that apply to a request, and holds the upstream's pause.
 *
 * <p>Not thread-safe: it lives inside the provider actor. Times are wall-clock epoch milliseconds.
 */
public final class ProviderLimits {

  /** The scope of a bucket that limits the whole provider rather than one model. */
  public static final String PROVIDER_SCOPE = "*";

  /** What a bucket counts. */
  public enum Dimension {
    REQUESTS,
    TOKENS
  }

  /** One bucket as persisted: the level is the checkpoint's conservative floor. */
  public record BucketRecord(String scope, Dimension dimension, boolean learned, TokenBucket.State state)
      implements JsonSerializable {}

  /** Everything this class persists. */
  public record Snapshot(List<BucketRecord> buckets, long pausedUntilEpochMillis) implements JsonSerializable {
    public static final Snapshot EMPTY = new Snapshot(List.of(), 0);
  }

  /**
   * One bucket as operators see it.
   *
   * @param capacity what the bucket holds when full: the limit less the headroom, and the largest
   *     reservation it can ever admit
   */
  public record BucketStatus(String scope, Dimension dimension, long limitPerMinute, double level, boolean learned,
      double queuedDemand, double capacity) {}

  private final ProviderSettings.Limits config;
  private final ProviderBuckets buckets;
  private long pausedUntil;

  private ProviderLimits(ProviderSettings.Limits config, ProviderBuckets buckets, long pausedUntil) {
    this.config = config;
    this.buckets = buckets;
    this.pausedUntil = pausedUntil;
  }

  /**
   * The buckets of {@code config}, full, laid over what was persisted (learned limits, and levels and
   * pauses that are lower than full). A limit changed in config since wins over the persisted one.
   */
  public static ProviderLimits restore(
      ProviderSettings.Limits config, double allowanceShare, Snapshot persisted, long now) {
    ProviderBuckets buckets = ProviderBuckets.restore(config, allowanceShare, persisted.buckets(), now);
    // A pause persisted before max-pause was lowered (or before it existed) ends within it now.
    long pausedUntil = Math.min(persisted.pausedUntilEpochMillis(), saturatedSum(now, config.maxPause().toMillis()));
    return new ProviderLimits(config, buckets, pausedUntil);
  }

  /** Whether any bucket exists; without one, admission only counts slots. */
  public boolean isEmpty() {
    return buckets.isEmpty();
  }

  /**
   * The smallest token bucket that applies to {@code model} when {@code tokens} is more than it can
   * ever hold, so the request could never be admitted (a bucket admits an oversized request only when
   * full, and the debt it leaves would hold every later request back for as long as it takes to repay);
   * empty when the request fits every bucket. Requests are not counted here: one always fits.
   */
  public Optional<BucketStatus> tooSmallFor(String model, long tokens, long now) {
    GuardedBucket smallest = null;
    for (GuardedBucket g : buckets.applying(model)) {
      if (g.dimension() == Dimension.TOKENS && tokens > g.capacity()
          && (smallest == null || g.capacity() < smallest.capacity())) {
        smallest = g;
      }
    }
    return Optional.ofNullable(smallest).map(g -> g.status(now));
  }

  /** Milliseconds until a request for {@code model} reserving {@code tokens} fits every bucket; 0: now. */
  public long millisUntilAdmissible(String model, int tokens, long now) {
    long wait = Math.max(0, pausedUntil - now);
    for (GuardedBucket g : buckets.applying(model)) wait = Math.max(wait, g.millisUntil(tokens, now));
    return wait;
  }

  /**
   * A lower bound of the wait of a new request behind everything already queued: the time until every
   * bucket has refilled enough for the queue's demand and this request's.
   */
  public long millisUntilAdmissibleBehindQueue(String model, int tokens, long now) {
    long wait = Math.max(0, pausedUntil - now);
    for (GuardedBucket g : buckets.applying(model)) wait = Math.max(wait, g.millisUntilBehindQueue(tokens, now));
    return wait;
  }

  /** True when the request fits, but some bucket's allowance is spent: a checkpoint must be written first. */
  public boolean needsCheckpoint(String model, int tokens) {
    for (GuardedBucket g : buckets.applying(model)) {
      if (g.needsCheckpointFor(tokens)) return true;
    }
    return false;
  }

  /** Whether the allowance of some bucket is half spent, so a checkpoint now avoids a stall later. */
  public boolean allowanceRunningLow() {
    for (GuardedBucket g : buckets.all()) {
      if (g.allowanceRunningLow()) return true;
    }
    return false;
  }

  /** Takes one request and {@code tokens} from every bucket that applies to {@code model}. */
  public void take(String model, int tokens, long now) {
    for (GuardedBucket g : buckets.applying(model)) g.take(g.demand(tokens), now);
  }

  /** A request for {@code model} joined (+1) or left (-1) the queue. */
  public void queued(String model, int tokens, int sign) {
    for (GuardedBucket g : buckets.applying(model)) g.queued(tokens, sign);
  }

  /**
   * Settles a reservation: gives back {@code refundTokens} (negative: charges an overrun, at most one
   * bucket's capacity, so an upstream reporting absurd usage costs at most a minute) and, when
   * {@code refundRequest}, the request itself.
   */
  public void settle(String model, long refundTokens, boolean refundRequest, long now) {
    for (GuardedBucket g : buckets.applying(model)) g.settle(refundTokens, refundRequest, now);
  }

  /**
   * The upstream asked not to be called for {@code millis} (a 429's Retry-After): nothing is admitted
   * for that long, but never longer than {@code limits.max-pause}, so one answer cannot stop the
   * provider for good. A pause never shortens one already under way. Returns the pause applied.
   */
  public long pause(long millis, long now) {
    long applied = Math.max(0, Math.min(millis, config.maxPause().toMillis()));
    pausedUntil = Math.max(pausedUntil, saturatedSum(now, applied));
    return applied;
  }

  private static long saturatedSum(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  public long pausedUntil() {
    return pausedUntil;
  }

  /**
   * What the upstream said of its limits for {@code model} (each value ≤ 0 when not said). A limit that
   * config does not set becomes a learned bucket; a remaining count lower than a bucket's level lowers
   * it. Returns whether anything changed.
   */
  public boolean learn(String model, long limitRequests, long limitTokens, long remainingRequests,
      long remainingTokens, long now) {
    return buckets.learn(model, limitRequests, limitTokens, remainingRequests, remainingTokens, now);
  }

  /**
   * The state to persist now: each level lowered by the allowance the next period may spend. Until
   * {@link #checkpointWritten()} is called, spending still counts against the previous allowance.
   *
   * @param demandAhead the largest single demand waiting, so one request bigger than the allowance can pass
   */
  public Snapshot checkpoint(long now, int demandAhead) {
    List<BucketRecord> records = new ArrayList<>();
    for (GuardedBucket g : buckets.all()) records.add(g.checkpoint(now, demandAhead));
    return new Snapshot(records, pausedUntil);
  }

  /** The checkpoint last taken is durable: its allowances, less what was spent since, may be spent. */
  public void checkpointWritten() {
    for (GuardedBucket g : buckets.all()) g.checkpointWritten();
  }

  /** The bucket levels now, for operators. */
  public List<BucketStatus> status(long now) {
    List<BucketStatus> result = new ArrayList<>();
    for (GuardedBucket g : buckets.all()) result.add(g.status(now));
    return result;
  }
}
