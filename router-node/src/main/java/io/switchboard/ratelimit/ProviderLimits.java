package io.switchboard.ratelimit;

import io.switchboard.JsonSerializable;
import io.switchboard.config.ProviderSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  private static final Duration MINUTE = Duration.ofMinutes(1);

  private final class Guarded {
    final String scope;
    final Dimension dimension;
    TokenBucket bucket;
    boolean learned;
    /** What may still be taken before the next checkpoint must be written. */
    double spendable;
    /** Taken since the last checkpoint was taken (written or not). */
    double spentSinceCheckpoint;
    /** Demand of the requests waiting in the queue for this bucket. */
    double queued;

    /** The provider's limit per minute, before headroom. */
    long limit;

    Guarded(String scope, Dimension dimension, TokenBucket bucket, boolean learned, long limit) {
      this.limit = limit;
      this.scope = scope;
      this.dimension = dimension;
      this.bucket = bucket;
      this.learned = learned;
    }

    double allowance() {
      return Math.max(1.0, bucket.capacity() * allowanceShare);
    }

    BucketStatus status(long now) {
      return new BucketStatus(scope, dimension, limit, Math.floor(bucket.level(now) * 100) / 100, learned, queued,
          Math.floor(bucket.capacity()));
    }

    void take(double amount, long now) {
      if (!bucket.tryTake(amount, now)) bucket.charge(amount, now);
      spendable -= amount;
      spentSinceCheckpoint += amount;
    }
  }

  private final ProviderSettings.Limits config;
  private final double allowanceShare;
  private final Map<String, Guarded> buckets = new LinkedHashMap<>();
  private long pausedUntil;
  /** Allowances of the checkpoint being written, applied once the write succeeds. */
  private Map<String, Double> pendingAllowances;

  private ProviderLimits(ProviderSettings.Limits config, double allowanceShare) {
    this.config = config;
    this.allowanceShare = allowanceShare;
  }

  /**
   * The buckets of {@code config}, full, laid over what was persisted (learned limits, and levels and
   * pauses that are lower than full). A limit changed in config since wins over the persisted one.
   */
  public static ProviderLimits restore(
      ProviderSettings.Limits config, double allowanceShare, Snapshot persisted, long now) {
    ProviderLimits limits = new ProviderLimits(config, allowanceShare);
    limits.configure(PROVIDER_SCOPE, config.provider(), now);
    config.models().forEach((model, rate) -> limits.configure(model, rate, now));
    for (BucketRecord record : persisted.buckets()) {
      String key = key(record.scope(), record.dimension());
      Guarded configured = limits.buckets.get(key);
      TokenBucket restored = TokenBucket.restore(record.state());
      if (configured == null && record.learned() && config.learnFromHeaders() && !limits.configuredFor(record)) {
        long limit = Math.round(record.state().capacity() / (1.0 - config.headroom()));
        limits.buckets.put(key, limits.new Guarded(record.scope(), record.dimension(), restored, true, limit));
      } else if (configured != null) {
        // The persisted level carries over; a capacity changed in config since rescales it.
        if (Math.abs(restored.capacity() - configured.bucket.capacity()) > 1e-9
            || restored.period().toMillis() != MINUTE.toMillis()) {
          restored.resize(configured.bucket.capacity(), MINUTE, now);
        }
        configured.bucket = restored;
      }
    }
    // A pause persisted before max-pause was lowered (or before it existed) ends within it now.
    limits.pausedUntil = Math.min(persisted.pausedUntilEpochMillis(), saturatedSum(now, config.maxPause().toMillis()));
    return limits;
  }

  private boolean configuredFor(BucketRecord record) {
    ProviderSettings.Rate rate = record.scope().equals(PROVIDER_SCOPE) ? config.provider() : config.model(record.scope());
    return perMinute(rate, record.dimension()) > 0 || perMinute(config.provider(), record.dimension()) > 0;
  }

  private void configure(String scope, ProviderSettings.Rate rate, long now) {
    for (Dimension d : Dimension.values()) {
      long limit = perMinute(rate, d);
      if (limit > 0) {
        buckets.put(key(scope, d), new Guarded(scope, d, TokenBucket.full(effective(limit), MINUTE, now), false, limit));
      }
    }
  }

  /** The capacity the gateway uses for a provider's limit: the limit less the headroom. */
  private double effective(long limit) {
    return Math.max(1.0, limit * (1.0 - config.headroom()));
  }

  private static long perMinute(ProviderSettings.Rate rate, Dimension d) {
    return d == Dimension.REQUESTS ? rate.requestsPerMinute() : rate.tokensPerMinute();
  }

  private static String key(String scope, Dimension d) {
    return scope + "|" + d;
  }

  /** Whether any bucket exists; without one, admission only counts slots. */
  public boolean isEmpty() {
    return buckets.isEmpty();
  }

  private List<Guarded> applying(String model) {
    List<Guarded> result = new ArrayList<>(4);
    for (Guarded g : buckets.values()) {
      if (g.scope.equals(PROVIDER_SCOPE) || g.scope.equals(model)) result.add(g);
    }
    return result;
  }

  private static double demand(Guarded g, int tokens) {
    return g.dimension == Dimension.REQUESTS ? 1 : tokens;
  }

  /**
   * The smallest token bucket that applies to {@code model} when {@code tokens} is more than it can
   * ever hold, so the request could never be admitted (a bucket admits an oversized request only when
   * full, and the debt it leaves would hold every later request back for as long as it takes to repay);
   * empty when the request fits every bucket. Requests are not counted here: one always fits.
   */
  public Optional<BucketStatus> tooSmallFor(String model, long tokens, long now) {
    Guarded smallest = null;
    for (Guarded g : applying(model)) {
      if (g.dimension == Dimension.TOKENS && tokens > g.bucket.capacity()
          && (smallest == null || g.bucket.capacity() < smallest.bucket.capacity())) {
        smallest = g;
      }
    }
    return Optional.ofNullable(smallest).map(g -> g.status(now));
  }

  /** Milliseconds until a request for {@code model} reserving {@code tokens} fits every bucket; 0: now. */
  public long millisUntilAdmissible(String model, int tokens, long now) {
    long wait = Math.max(0, pausedUntil - now);
    for (Guarded g : applying(model)) wait = Math.max(wait, g.bucket.millisUntil(demand(g, tokens), now));
    return wait;
  }

  /**
   * A lower bound of the wait of a new request behind everything already queued: the time until every
   * bucket has refilled enough for the queue's demand and this request's.
   */
  public long millisUntilAdmissibleBehindQueue(String model, int tokens, long now) {
    long wait = Math.max(0, pausedUntil - now);
    for (Guarded g : applying(model)) {
      wait = Math.max(wait, g.bucket.millisUntil(g.queued + demand(g, tokens), now));
    }
    return wait;
  }

  /** True when the request fits, but some bucket's allowance is spent: a checkpoint must be written first. */
  public boolean needsCheckpoint(String model, int tokens) {
    for (Guarded g : applying(model)) {
      if (g.spendable < demand(g, tokens)) return true;
    }
    return false;
  }

  /** Whether the allowance of some bucket is half spent, so a checkpoint now avoids a stall later. */
  public boolean allowanceRunningLow() {
    for (Guarded g : buckets.values()) {
      if (g.spendable < g.allowance() / 2) return true;
    }
    return false;
  }

  /** Takes one request and {@code tokens} from every bucket that applies to {@code model}. */
  public void take(String model, int tokens, long now) {
    for (Guarded g : applying(model)) g.take(demand(g, tokens), now);
  }

  /** A request for {@code model} joined (+1) or left (-1) the queue. */
  public void queued(String model, int tokens, int sign) {
    for (Guarded g : applying(model)) g.queued = Math.max(0, g.queued + sign * demand(g, tokens));
  }

  /**
   * Settles a reservation: gives back {@code refundTokens} (negative: charges an overrun, at most one
   * bucket's capacity, so an upstream reporting absurd usage costs at most a minute) and, when
   * {@code refundRequest}, the request itself.
   */
  public void settle(String model, long refundTokens, boolean refundRequest, long now) {
    for (Guarded g : applying(model)) {
      if (g.dimension == Dimension.REQUESTS) {
        if (refundRequest) g.bucket.refund(1, now);
      } else if (refundTokens > 0) {
        g.bucket.refund(refundTokens, now);
      } else if (refundTokens < 0) {
        g.take(Math.min(g.bucket.capacity(), -(double) refundTokens), now);
      }
    }
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
    boolean changed = learnOne(model, Dimension.REQUESTS, limitRequests, remainingRequests, now);
    return learnOne(model, Dimension.TOKENS, limitTokens, remainingTokens, now) || changed;
  }

  private boolean learnOne(String model, Dimension d, long limit, long remaining, long now) {
    if (!config.learnFromHeaders() || limit <= 0) return false;
    if (perMinute(config.model(model), d) > 0 || perMinute(config.provider(), d) > 0) return false;
    String key = key(model, d);
    Guarded g = buckets.get(key);
    boolean changed = false;
    if (g == null) {
      TokenBucket bucket = TokenBucket.full(effective(limit), MINUTE, now);
      g = new Guarded(model, d, bucket, true, limit);
      buckets.put(key, g);
      changed = true;
    } else if (g.limit != limit) {
      g.bucket.resize(effective(limit), MINUTE, now);
      g.limit = limit;
      changed = true;
    }
    double usable = remaining - limit * config.headroom();
    if (remaining >= 0 && usable < g.bucket.level(now)) {
      g.bucket.drain(now);
      if (usable > 0) g.bucket.refund(usable, now);
      else g.bucket.charge(-usable, now);
      changed = true;
    }
    return changed;
  }

  /**
   * The state to persist now: each level lowered by the allowance the next period may spend. Until
   * {@link #checkpointWritten()} is called, spending still counts against the previous allowance.
   *
   * @param demandAhead the largest single demand waiting, so one request bigger than the allowance can pass
   */
  public Snapshot checkpoint(long now, int demandAhead) {
    List<BucketRecord> records = new ArrayList<>(buckets.size());
    pendingAllowances = new LinkedHashMap<>();
    for (Map.Entry<String, Guarded> e : buckets.entrySet()) {
      Guarded g = e.getValue();
      double allowance = Math.max(g.allowance(), g.dimension == Dimension.REQUESTS ? 1 : demandAhead);
      TokenBucket.State state = g.bucket.snapshot(now);
      records.add(new BucketRecord(g.scope, g.dimension, g.learned,
          new TokenBucket.State(state.capacity(), state.periodMillis(), state.level() - allowance,
              state.atEpochMillis(), state.pausedUntilEpochMillis())));
      g.spentSinceCheckpoint = 0;
      pendingAllowances.put(e.getKey(), allowance);
    }
    return new Snapshot(records, pausedUntil);
  }

  /** The checkpoint last taken is durable: its allowances, less what was spent since, may be spent. */
  public void checkpointWritten() {
    if (pendingAllowances == null) return;
    pendingAllowances.forEach((key, allowance) -> {
      Guarded g = buckets.get(key);
      if (g != null) g.spendable = allowance - g.spentSinceCheckpoint;
    });
    pendingAllowances = null;
  }

  /** The bucket levels now, for operators. */
  public List<BucketStatus> status(long now) {
    List<BucketStatus> result = new ArrayList<>(buckets.size());
    for (Guarded g : buckets.values()) result.add(g.status(now));
    return result;
  }
}
