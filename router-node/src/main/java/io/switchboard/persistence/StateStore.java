package io.switchboard.persistence;

import static java.util.Objects.requireNonNull;

import io.switchboard.JsonSerializable;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The latest value per persistence id, guarded by a revision: each save names the revision it
 * writes, one more than the revision it loaded, so two writers of one id cannot overwrite each
 * other unnoticed (the second fails with {@link StaleRevisionException}).
 *
 * <pre>{@code
 * StateStore<BucketState> store = StateStore.jdbc(system, BucketState.class);
 * store.load("provider-openai").thenCompose(stored -> {
 *   long next = stored.map(StateStore.Stored::revision).orElse(0L) + 1;
 *   return store.save("provider-openai", next, current);
 * });
 * }</pre>
 *
 * <p>Writes are meant to be batched: a provider actor saves a snapshot every few seconds, never once
 * per request. Call {@link Schema#create} once before the first load.
 *
 * @param <T> the stored value: a record implementing {@link JsonSerializable}, written by Pekko's
 *     Jackson serializer
 */
public interface StateStore<T> {

  /** A value as stored, with the revision it was stored at (1 for the first save). */
  record Stored<T>(long revision, T value) {
    public Stored {
      requireNonNull(value, "value");
    }
  }

  /**
   * The latest value, or empty when nothing was ever saved under {@code persistenceId}. Fails with
   * {@link UnreadableStateException} when a value is stored but cannot be read back as {@code T}.
   */
  CompletionStage<Optional<Stored<T>>> load(String persistenceId);

  /**
   * Stores {@code value} at {@code revision}, which must be one more than the revision stored now (1
   * when nothing is stored). Fails with {@link StaleRevisionException} otherwise.
   */
  CompletionStage<Done> save(String persistenceId, long revision, T value);

  /**
   * The store backed by the {@value PersistenceConfig#DURABLE_STATE_PLUGIN} plugin, which the
   * system's configuration must set up ({@link PersistenceConfig#layeredOver}).
   *
   * @throws IllegalArgumentException when {@code type} does not implement {@link JsonSerializable}
   */
  static <T> StateStore<T> jdbc(ActorSystem<?> system, Class<T> type) {
    return JdbcStateStore.create(system, type);
  }
}
