package io.switchboard.persistence;

import static java.util.Objects.requireNonNull;

import io.switchboard.JsonSerializable;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.state.DurableStateStoreRegistry;
import org.apache.pekko.persistence.state.javadsl.DurableStateUpdateStore;

/**
 * {@link StateStore} over Pekko Persistence JDBC's durable state store: one row per persistence id
 * holding the latest revision, serialized by Pekko serialization.
 *
 * <p>The plugin reports a value it cannot deserialize as "no value" at a non-zero revision; that is
 * turned into {@link UnreadableStateException} here, so a caller never mistakes it for a fresh start
 * and then fails every save on a revision conflict.
 */
final class JdbcStateStore<T> implements StateStore<T> {
  /** SQLSTATE class 23: integrity constraint violation (the row for revision 1 exists already). */
  private static final String CONSTRAINT_VIOLATION = "23";

  private final DurableStateUpdateStore<Object> store;
  private final Class<T> type;

  private JdbcStateStore(DurableStateUpdateStore<Object> store, Class<T> type) {
    this.store = store;
    this.type = type;
  }

  @SuppressWarnings("unchecked")
  static <T> JdbcStateStore<T> create(ActorSystem<?> system, Class<T> type) {
    requireNonNull(system, "system");
    requireNonNull(type, "type");
    if (!JsonSerializable.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException(type.getName() + " must implement " + JsonSerializable.class.getName()
          + " to be stored: that is what binds it to Pekko's Jackson serializer");
    }
    DurableStateUpdateStore<Object> store = DurableStateStoreRegistry.get(system)
        .getDurableStateStoreFor(DurableStateUpdateStore.class, PersistenceConfig.DURABLE_STATE_PLUGIN);
    return new JdbcStateStore<>(store, type);
  }

  @Override
  public CompletionStage<Optional<Stored<T>>> load(String persistenceId) {
    requireNonNull(persistenceId, "persistenceId");
    return store.getObject(persistenceId)
        .exceptionally(error -> {
          throw new StateStoreException("could not load the state of '" + persistenceId + "'", unwrap(error));
        })
        .thenApply(result -> {
          long revision = result.revision();
          if (revision == 0) return Optional.empty();
          Object value = result.value().orElseThrow(() -> new UnreadableStateException(persistenceId, revision,
              "it does not deserialize (see the serialization warning above)"));
          if (!type.isInstance(value)) {
            throw new UnreadableStateException(persistenceId, revision,
                "it is a " + value.getClass().getName() + ", not a " + type.getName());
          }
          return Optional.of(new Stored<>(revision, type.cast(value)));
        });
  }

  @Override
  public CompletionStage<Done> save(String persistenceId, long revision, T value) {
    requireNonNull(persistenceId, "persistenceId");
    requireNonNull(value, "value");
    if (revision < 1) throw new IllegalArgumentException("revision must be at least 1, was " + revision);
    return store.upsertObject(persistenceId, revision, value, "").exceptionallyCompose(error -> CompletableFuture.failedStage(saveFailure(persistenceId, revision, unwrap(error))));
  }

  private static StateStoreException saveFailure(String persistenceId, long revision, Throwable error) {
    // An update at a revision that is not stored + 1 touches no row, which the plugin reports as an
    // IllegalStateException; an insert at revision 1 over an existing row violates the primary key.
    boolean stale = error instanceof IllegalStateException
        || (revision == 1 && error instanceof SQLException sql
            && sql.getSQLState() != null && sql.getSQLState().startsWith(CONSTRAINT_VIOLATION));
    if (stale) return new StaleRevisionException(persistenceId, revision, error);
    return new StateStoreException("could not save the state of '" + persistenceId + "' at revision " + revision, error);
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }
}
