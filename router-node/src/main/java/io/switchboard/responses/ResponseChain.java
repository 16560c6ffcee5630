package io.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The conversation a {@code previous_response_id} continues: each stored turn's input items and the
 * output items of its response, oldest first, read from the {@link ResponseStore} one turn at a time
 * (each names the one before). Instructions are not carried over, as OpenAI documents. Every turn must
 * belong to the caller; a missing one is 404 naming {@code previous_response_id}.
 */
public final class ResponseChain {
  /** The most turns a chain may hold: far beyond any context window, it stops a cycle in the data. */
  static final int MAX_TURNS = 1_000;

  private final ResponseStore store;
  private final ObjectMapper mapper;

  public ResponseChain(ResponseStore store, ObjectMapper mapper) {
    this.store = store;
    this.mapper = mapper;
  }

  /** The items before this turn; empty when {@code previousId} is null. */
  public CompletionStage<List<JsonNode>> history(String previousId, String owner) {
    if (previousId == null) return CompletableFuture.completedFuture(List.of());
    return walk(previousId, previousId, owner, new ArrayList<>()).thenApply(turns -> {
      Collections.reverse(turns);
      List<JsonNode> items = new ArrayList<>();
      for (StoredResponse turn : turns) {
        read(turn.inputItems()).forEach(items::add);
        read(turn.response()).path("output").forEach(items::add);
      }
      return items;
    });
  }

  private CompletionStage<List<StoredResponse>> walk(String asked, String id, String owner,
      List<StoredResponse> newestFirst) {
    return store.get(id, owner).thenCompose(found -> {
      if (found.isEmpty()) throw ResponsesRequestException.notFound(asked, "previous_response_id");
      newestFirst.add(found.get());
      String previous = found.get().previousResponseId();
      if (previous == null || newestFirst.size() >= MAX_TURNS) return CompletableFuture.completedFuture(newestFirst);
      return walk(asked, previous, owner, newestFirst);
    });
  }

  private JsonNode read(String json) {
    try {
      return mapper.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("a stored response is not JSON", e);
    }
  }
}
