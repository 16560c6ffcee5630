package io.switchboard.ratelimit;

import io.switchboard.ratelimit.ProviderLimits.BucketRecord;
import io.switchboard.ratelimit.ProviderLimits.BucketStatus;
import io.switchboard.ratelimit.ProviderLimits.Dimension;
import java.time.Duration;

/**
 * One of a provider's token buckets, guarded by the allowance it may spend between two checkpoints:
 * the upstream limit it stands for, whether that limit was learned, the demand queued for it, and how
 * much may still be taken before the next checkpoint must be durable.
 *
 * <p>A checkpoint records the bucket's level less the next allowance, as if already spent (see
 * {@link ProviderLimits} for why). The allowance is a share of the capacity ({@code checkpoint.allowance}),
 * and that share is the trade-off: a larger one means fewer writes, but a restart finds the bucket up to
 * that much lower than it really was; a smaller one wastes less on a restart and writes more often.
 * Not thread-safe; times are wall-clock epoch milliseconds.
 */
final class GuardedBucket {

  /** The period every bucket refills over: upstream limits are per minute. */
  static final Duration MINUTE = Duration.ofMinutes(1);

  private final String scope;
  private final Dimension dimension;
  private final boolean learned;
  private final double allowanceShare;
  private TokenBucket bucket;
  /** The provider's limit per minute, before headroom. */
  private long limit;
  /** What may still be taken before the next checkpoint must be written. */
  private double spendable;
  /** Taken since the last checkpoint was taken (written or not). */
  private double spentSinceCheckpoint;
  /** Demand of the requests waiting in the queue for this bucket. */
  private double queued;
  /** The allowance of the checkpoint being written, spendable once it is durable; NaN when none is. */
  private double pendingAllowance = Double.NaN;

  GuardedBucket(String scope, Dimension dimension, TokenBucket bucket, boolean learned, long limit,
      double allowanceShare) {
    this.limit = limit;
    this.scope = scope;
    this.dimension = dimension;
    this.bucket = bucket;
    this.learned = learned;
    this.allowanceShare = allowanceShare;
  }

  /** Whether this bucket limits requests for {@code model}: it is the provider's, or that model's. */
  boolean appliesTo(String model) {
    return scope.equals(ProviderLimits.PROVIDER_SCOPE) || scope.equals(model);
  }

  Dimension dimension() {
    return dimension;
  }

  long limit() {
    return limit;
  }

  double capacity() {
    return bucket.capacity();
  }

  double level(long now) {
    return bucket.level(now);
  }

  /** What a request reserving {@code tokens} takes from this bucket: one request, or its tokens. */
  double demand(int tokens) {
    return dimension == Dimension.REQUESTS ? 1 : tokens;
  }

  /** Milliseconds until a request reserving {@code tokens} fits; 0: now. */
  long millisUntil(int tokens, long now) {
    return bucket.millisUntil(demand(tokens), now);
  }

  /** Milliseconds until the queue's demand and a request reserving {@code tokens} have refilled. */
  long millisUntilBehindQueue(int tokens, long now) {
    return bucket.millisUntil(queued + demand(tokens), now);
  }

  /** True when a request reserving {@code tokens} would overspend the allowance of the last checkpoint. */
  boolean needsCheckpointFor(int tokens) {
    return spendable < demand(tokens);
  }

  /** Whether half the allowance is spent. */
  boolean allowanceRunningLow() {
    return spendable < allowance() / 2;
  }

  /** Takes {@code amount}, into debt if it must: the request was admitted. */
  void take(double amount, long now) {
    if (!bucket.tryTake(amount, now)) bucket.charge(amount, now);
    spendable -= amount;
    spentSinceCheckpoint += amount;
  }

  /** A request reserving {@code tokens} joined (+1) or left (-1) the queue. */
  void queued(int tokens, int sign) {
    queued = Math.max(0, queued + sign * demand(tokens));
  }

  /** Settles a reservation; see {@link ProviderLimits#settle}. */
  void settle(long refundTokens, boolean refundRequest, long now) {
    if (dimension == Dimension.REQUESTS) {
      if (refundRequest) bucket.refund(1, now);
    } else if (refundTokens > 0) {
      bucket.refund(refundTokens, now);
    } else if (refundTokens < 0) {
      take(Math.min(bucket.capacity(), -(double) refundTokens), now);
    }
  }

  /** Carries a persisted level over; a capacity changed in config since rescales it. */
  void restoreLevel(TokenBucket restored, long now) {
    if (Math.abs(restored.capacity() - bucket.capacity()) > 1e-9 || restored.period().toMillis() != MINUTE.toMillis()) {
      restored.resize(bucket.capacity(), MINUTE, now);
    }
    bucket = restored;
  }

  /** The upstream announced a new {@code limit}, held as {@code capacity} after headroom. */
  void relimit(long limit, double capacity, long now) {
    bucket.resize(capacity, MINUTE, now);
    this.limit = limit;
  }

  /** The upstream says only {@code usable} is left (after headroom): the level is lowered to it if higher. */
  boolean lowerTo(double usable, long now) {
    if (usable >= bucket.level(now)) return false;
    bucket.drain(now);
    if (usable > 0) bucket.refund(usable, now);
    else bucket.charge(-usable, now);
    return true;
  }

  /**
   * The bucket as a checkpoint records it: its level less the allowance the next period may spend, at
   * least {@code demandAhead} tokens so one request bigger than the allowance can pass. The allowance is
   * spendable once {@link #checkpointWritten()} says the checkpoint is durable.
   */
  BucketRecord checkpoint(long now, int demandAhead) {
    double allowance = Math.max(allowance(), dimension == Dimension.REQUESTS ? 1 : demandAhead);
    TokenBucket.State state = bucket.snapshot(now);
    spentSinceCheckpoint = 0;
    pendingAllowance = allowance;
    return new BucketRecord(scope, dimension, learned, new TokenBucket.State(state.capacity(), state.periodMillis(),
        state.level() - allowance, state.atEpochMillis(), state.pausedUntilEpochMillis()));
  }

  /** The checkpoint last taken is durable: its allowance, less what was spent since, may be spent. */
  void checkpointWritten() {
    if (Double.isNaN(pendingAllowance)) return;
    spendable = pendingAllowance - spentSinceCheckpoint;
    pendingAllowance = Double.NaN;
  }

  BucketStatus status(long now) {
    return new BucketStatus(scope, dimension, limit, Math.floor(bucket.level(now) * 100) / 100, learned, queued,
        Math.floor(bucket.capacity()));
  }

  private double allowance() {
    return Math.max(1.0, bucket.capacity() * allowanceShare);
  }
}
