package io.switchboard.persistence;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.apache.pekko.Done;

/**
 * A {@link StateStore} in memory with the JDBC store's revision rule, for actor tests that are about
 * behaviour rather than the database. It can be told to fail: {@link #crashOnSave} makes a save throw
 * at once (the caller fails), {@link #failSaves} makes saves complete exceptionally.
 */
public final class InMemoryStateStore<T> implements StateStore<T> {
  private final Map<String, Stored<T>> values = new ConcurrentHashMap<>();
  private final AtomicInteger saves = new AtomicInteger();
  private volatile IntPredicate crashOnSave = n -> false;
  private volatile boolean failSaves;

  @Override
  public CompletionStage<Optional<Stored<T>>> load(String persistenceId) {
    return CompletableFuture.completedFuture(Optional.ofNullable(values.get(persistenceId)));
  }

  @Override
  public synchronized CompletionStage<Done> save(String persistenceId, long revision, T value) {
    int n = saves.incrementAndGet();
    if (crashOnSave.test(n)) throw new IllegalStateException("save " + n + " crashed on purpose");
    if (failSaves) return CompletableFuture.failedFuture(new IllegalStateException("saves fail on purpose"));
    Stored<T> current = values.get(persistenceId);
    long expected = current == null ? 1 : current.revision() + 1;
    if (revision != expected) {
      // As the contract says (and the JDBC store does): a stale revision is a StaleRevisionException.
      return CompletableFuture.failedFuture(new StaleRevisionException(persistenceId, revision,
          new IllegalStateException("stale revision " + revision + " for " + persistenceId + ", expected " + expected)));
    }
    values.put(persistenceId, new Stored<>(revision, value));
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  /** The value stored under {@code persistenceId}, if any. */
  public Optional<Stored<T>> stored(String persistenceId) {
    return Optional.ofNullable(values.get(persistenceId));
  }

  public int saves() {
    return saves.get();
  }

  /** Saves whose 1-based number matches throw instead of completing. */
  public void crashOnSave(IntPredicate which) {
    this.crashOnSave = which;
  }

  public void failSaves(boolean fail) {
    this.failSaves = fail;
  }
}
