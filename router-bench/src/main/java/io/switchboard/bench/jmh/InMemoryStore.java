package io.switchboard.bench.jmh;

import io.switchboard.persistence.StateStore;
import io.switchboard.provider.ProviderState;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.Done;

/** Keeps provider checkpoints in memory, so the admission benchmark measures the actor, not a database. */
final class InMemoryStore implements StateStore<ProviderState> {
  private final Map<String, Stored<ProviderState>> values = new ConcurrentHashMap<>();

  @Override
  public CompletionStage<Optional<Stored<ProviderState>>> load(String persistenceId) {
    return CompletableFuture.completedFuture(Optional.ofNullable(values.get(persistenceId)));
  }

  @Override
  public CompletionStage<Done> save(String persistenceId, long revision, ProviderState value) {
    values.put(persistenceId, new Stored<>(revision, value));
    return CompletableFuture.completedFuture(Done.getInstance());
  }
}
