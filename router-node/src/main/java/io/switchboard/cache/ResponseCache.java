package io.switchboard.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.switchboard.config.CacheSettings;
import java.util.Optional;
import org.apache.pekko.util.ByteString;

/**
 * The exact-match response cache of one node: answers by {@code namespace + model + request
 * fingerprint} (see {@link RequestFingerprint}), bounded by total bytes, each entry expiring a fixed
 * time after it was stored. It lives in this node's memory only: nodes do not share entries, and a
 * restart empties it, which costs only upstream calls, never a wrong answer.
 *
 * <pre>{@code
 * ResponseCache cache = new ResponseCache(settings.cache(), mapper, Ticker.systemTicker());
 * String key = cache.key(scope.namespace(), "gpt-4o", body);
 * cache.get(key).ifPresentOrElse(hit -> ..., () -> ... cache.put(key, new CachedAnswer(json, deployment)));
 * }</pre>
 *
 * <p>Time comes from the injected {@link Ticker}, so tests expire entries without sleeping; maintenance
 * runs on the calling thread, so what a test observes does not depend on a background pool.
 */
public final class ResponseCache {
  private final Cache<String, CachedAnswer> entries;
  private final RequestFingerprint fingerprint;
  private final long maxEntryBytes;

  public ResponseCache(CacheSettings settings, ObjectMapper mapper, Ticker ticker) {
    this.fingerprint = new RequestFingerprint(mapper);
    this.maxEntryBytes = settings.maxEntryBytes();
    this.entries = Caffeine.newBuilder()
        .maximumWeight(settings.maxBytes())
        .weigher((String key, CachedAnswer answer) -> weight(key, answer))
        .expireAfterWrite(settings.ttl())
        .ticker(ticker)
        .executor(Runnable::run)
        .build();
  }

  /** The key of {@code body} sent for {@code model} by a caller in {@code namespace}. */
  public String key(String namespace, String model, ByteString body) {
    // NUL cannot occur in a JSON model name or a key id, so the parts cannot run into each other.
    return namespace + '\0' + model + '\0' + fingerprint.of(body);
  }

  public Optional<CachedAnswer> get(String key) {
    return Optional.ofNullable(entries.getIfPresent(key));
  }

  /** Stores {@code answer} unless it is larger than {@code max-entry-bytes}; returns whether it did. */
  public boolean put(String key, CachedAnswer answer) {
    if (weight(key, answer) > maxEntryBytes) return false;
    entries.put(key, answer);
    return true;
  }

  /** Entries held now (expired ones may linger until the next maintenance). */
  public long size() {
    entries.cleanUp();
    return entries.estimatedSize();
  }

  private static int weight(String key, CachedAnswer answer) {
    long bytes = (long) answer.body().length() + key.length() * 2L + answer.deployment().length() * 2L;
    return (int) Math.min(Integer.MAX_VALUE, bytes);
  }
}
