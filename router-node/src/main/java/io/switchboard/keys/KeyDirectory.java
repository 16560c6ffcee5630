package io.switchboard.keys;

import io.switchboard.persistence.JdbcPool;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The node's view of the virtual keys: finds the key a request presents, and creates, lists and
 * revokes keys for the admin routes. The table ({@link KeyStore}) is the truth; what this node read of
 * it is remembered for {@code key-cache-ttl}, so a request with a known key costs one SHA-256 and a map
 * lookup, not a database round trip.
 *
 * <p>Trade-off: a key revoked on another node of a cluster is still accepted here until the cached
 * entry ages out; on the node that revoked it, at once. A secret nobody holds is remembered as unknown
 * for the same time, so a client retrying a wrong key does not reach the database on every request.
 */
public final class KeyDirectory {
  /** Entries remembered at most; beyond it the memory is dropped and rebuilt from the table. */
  static final int MAX_REMEMBERED = 10_000;

  /** A key created, with the secret its holder gets this one time. */
  public record Created(ApiKey key, String secret) {}

  private record Remembered(Optional<ApiKey> key, long readAtNanos) {}

  private final JdbcPool pool;
  private final KeyStore store;
  private final Clock clock;
  private final long ttlNanos;
  private final Consumer<String> onRevoked;
  private final Map<String, Remembered> byHash = new ConcurrentHashMap<>();

  /** @param onRevoked told the id of each key revoked here, e.g. to stop its admission actor */
  public KeyDirectory(JdbcPool pool, KeyStore store, Clock clock, Duration ttl, Consumer<String> onRevoked) {
    this.pool = pool;
    this.store = store;
    this.clock = clock;
    this.ttlNanos = ttl.toNanos();
    this.onRevoked = onRevoked;
  }

  /** The key whose secret is {@code secret}, as stored (revoked and expired keys included); empty if none. */
  public CompletionStage<Optional<ApiKey>> find(String secret) {
    String hash = KeySecrets.hash(secret);
    Remembered remembered = byHash.get(hash);
    if (remembered != null && System.nanoTime() - remembered.readAtNanos() < ttlNanos) {
      return CompletableFuture.completedFuture(remembered.key());
    }
    return pool.run(c -> store.bySecretHash(c, hash)).thenApply(found -> {
      if (byHash.size() >= MAX_REMEMBERED) byHash.clear();
      byHash.put(hash, new Remembered(found, System.nanoTime()));
      return found;
    });
  }

  /** Stores a new key and returns it with its secret, which is not kept anywhere. */
  public CompletionStage<Created> create(NewKey request, Set<String> models) {
    ApiKey key = request.toKey(KeySecrets.newId(), clock.instant(), models);
    String secret = KeySecrets.newSecret();
    String hash = KeySecrets.hash(secret);
    return pool.run(c -> {
      store.insert(c, key, hash);
      return new Created(key, secret);
    }).thenApply(created -> {
      byHash.remove(hash);
      return created;
    });
  }

  public CompletionStage<List<ApiKey>> all() {
    return pool.run(store::all);
  }

  public CompletionStage<Optional<ApiKey>> get(String id) {
    return pool.run(c -> store.byId(c, id));
  }

  /** Revokes the key: refused from now on by this node. Empty when no key has this id. */
  public CompletionStage<Optional<ApiKey>> revoke(String id) {
    return pool.run(c -> store.revoke(c, id, clock.instant())).thenApply(revoked -> {
      revoked.ifPresent(key -> {
        byHash.values().removeIf(r -> r.key().map(k -> k.id().equals(id)).orElse(false));
        onRevoked.accept(id);
      });
      return revoked;
    });
  }
}
