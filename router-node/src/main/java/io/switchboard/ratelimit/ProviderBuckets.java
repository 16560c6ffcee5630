package io.switchboard.ratelimit;

import static io.switchboard.ratelimit.GuardedBucket.MINUTE;

import io.switchboard.config.ProviderSettings;
import io.switchboard.ratelimit.ProviderLimits.BucketRecord;
import io.switchboard.ratelimit.ProviderLimits.Dimension;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which token buckets a provider has, by scope ({@link ProviderLimits#PROVIDER_SCOPE} or a model) and
 * {@link Dimension}, and where each one's limit comes from: configuration, or the limits the upstream
 * announced in its headers ({@code limits.learn-from-headers}), laid over what was persisted.
 *
 * <p>Configuration always wins: a limit is learned only where config sets none for that model or for
 * the whole provider, and a persisted learned bucket is dropped on restore once config sets that limit
 * (or learning is turned off). The price of learning is that the provider's own numbers are trusted,
 * less the configured headroom, for as long as it keeps announcing them. Not thread-safe.
 */
final class ProviderBuckets {
  private final ProviderSettings.Limits config;
  private final double allowanceShare;
  private final Map<String, GuardedBucket> buckets = new LinkedHashMap<>();

  private ProviderBuckets(ProviderSettings.Limits config, double allowanceShare) {
    this.config = config;
    this.allowanceShare = allowanceShare;
  }

  /**
   * The buckets of {@code config}, full, laid over {@code persisted}: learned limits come back, and
   * levels carry over. A limit changed in config since wins over the persisted one.
   */
  static ProviderBuckets restore(ProviderSettings.Limits config, double allowanceShare, List<BucketRecord> persisted,
      long now) {
    ProviderBuckets set = new ProviderBuckets(config, allowanceShare);
    set.configure(ProviderLimits.PROVIDER_SCOPE, config.provider(), now);
    config.models().forEach((model, rate) -> set.configure(model, rate, now));
    for (BucketRecord record : persisted) {
      String key = key(record.scope(), record.dimension());
      GuardedBucket configured = set.buckets.get(key);
      TokenBucket restored = TokenBucket.restore(record.state());
      if (configured == null && record.learned() && config.learnFromHeaders() && !set.configuredFor(record)) {
        long limit = Math.round(record.state().capacity() / (1.0 - config.headroom()));
        set.buckets.put(key, set.bucket(record.scope(), record.dimension(), restored, true, limit));
      } else if (configured != null) {
        configured.restoreLevel(restored, now);
      }
    }
    return set;
  }

  private boolean configuredFor(BucketRecord record) {
    ProviderSettings.Rate rate =
        record.scope().equals(ProviderLimits.PROVIDER_SCOPE) ? config.provider() : config.model(record.scope());
    return perMinute(rate, record.dimension()) > 0 || perMinute(config.provider(), record.dimension()) > 0;
  }

  private void configure(String scope, ProviderSettings.Rate rate, long now) {
    for (Dimension d : Dimension.values()) {
      long limit = perMinute(rate, d);
      if (limit > 0) {
        buckets.put(key(scope, d), bucket(scope, d, TokenBucket.full(effective(limit), MINUTE, now), false, limit));
      }
    }
  }

  /**
   * What the upstream said of its limits for {@code model} (each value ≤ 0 when not said). A limit that
   * config does not set becomes a learned bucket; a remaining count lower than a bucket's level lowers
   * it. Returns whether anything changed.
   */
  boolean learn(String model, long limitRequests, long limitTokens, long remainingRequests, long remainingTokens,
      long now) {
    boolean changed = learnOne(model, Dimension.REQUESTS, limitRequests, remainingRequests, now);
    return learnOne(model, Dimension.TOKENS, limitTokens, remainingTokens, now) || changed;
  }

  private boolean learnOne(String model, Dimension d, long limit, long remaining, long now) {
    if (!config.learnFromHeaders() || limit <= 0) return false;
    if (perMinute(config.model(model), d) > 0 || perMinute(config.provider(), d) > 0) return false;
    String key = key(model, d);
    GuardedBucket g = buckets.get(key);
    boolean changed = false;
    if (g == null) {
      g = bucket(model, d, TokenBucket.full(effective(limit), MINUTE, now), true, limit);
      buckets.put(key, g);
      changed = true;
    } else if (g.limit() != limit) {
      g.relimit(limit, effective(limit), now);
      changed = true;
    }
    double usable = remaining - limit * config.headroom();
    if (remaining >= 0 && g.lowerTo(usable, now)) changed = true;
    return changed;
  }

  /** The buckets a request for {@code model} must fit: the provider's and that model's. */
  List<GuardedBucket> applying(String model) {
    List<GuardedBucket> result = new ArrayList<>(4);
    for (GuardedBucket g : buckets.values()) {
      if (g.appliesTo(model)) result.add(g);
    }
    return result;
  }

  /** Every bucket, in the order they were made. */
  Collection<GuardedBucket> all() {
    return buckets.values();
  }

  boolean isEmpty() {
    return buckets.isEmpty();
  }

  private GuardedBucket bucket(String scope, Dimension d, TokenBucket bucket, boolean learned, long limit) {
    return new GuardedBucket(scope, d, bucket, learned, limit, allowanceShare);
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
}
