package io.switchboard.responses;

import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * Where stored responses live: durable, reachable from any node of the cluster, each kept until it
 * is deleted or its retention ends.
 */
public interface ResponseStore {

  /** Keeps {@code response}; completes once it is durably stored. */
  CompletionStage<Done> put(StoredResponse response);

  /** The response {@code id} when it exists, has not expired and belongs to {@code owner}; empty otherwise. */
  CompletionStage<Optional<StoredResponse>> get(String id, String owner);

  /** Deletes the response; true when it existed and belonged to {@code owner}. */
  CompletionStage<Boolean> delete(String id, String owner);
}
