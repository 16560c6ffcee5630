package io.switchboard.responses;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * A {@link ResponseStore} in this node's memory: for tests, and for a single node until the durable,
 * cluster-wide store is wired in its place. Nothing survives a restart and other nodes do not see it.
 * It keeps at most {@code capacity} responses, forgetting the oldest first, so memory stays bounded.
 */
public final class InMemoryResponseStore implements ResponseStore {
  /** How many responses the store keeps unless told otherwise. */
  public static final int DEFAULT_CAPACITY = 10_000;

  private final Map<String, StoredResponse> responses;

  public InMemoryResponseStore() {
    this(DEFAULT_CAPACITY);
  }

  public InMemoryResponseStore(int capacity) {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1");
    this.responses = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, StoredResponse> eldest) {
        return size() > capacity;
      }
    };
  }

  @Override
  public synchronized CompletionStage<Done> put(StoredResponse response) {
    responses.put(response.id(), response);
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  @Override
  public synchronized CompletionStage<Optional<StoredResponse>> get(String id, String owner) {
    StoredResponse stored = responses.get(id);
    return CompletableFuture.completedFuture(
        stored != null && stored.owner().equals(owner) ? Optional.of(stored) : Optional.empty());
  }

  @Override
  public synchronized CompletionStage<Boolean> delete(String id, String owner) {
    StoredResponse stored = responses.get(id);
    if (stored == null || !stored.owner().equals(owner)) return CompletableFuture.completedFuture(false);
    responses.remove(id);
    return CompletableFuture.completedFuture(true);
  }
}
