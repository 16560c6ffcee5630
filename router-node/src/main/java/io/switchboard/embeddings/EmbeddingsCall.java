package io.switchboard.embeddings;

import static java.util.Objects.requireNonNull;

import io.switchboard.keys.Caller;
import io.switchboard.routing.RequestTrace;
import java.time.Duration;
import java.util.Optional;

/**
 * One client's embeddings request with what {@link EmbeddingsPipeline} needs around it.
 *
 * @param startedNanos when the ingress began reading it ({@link System#nanoTime})
 * @param maxWait the client's own admission wait ({@code x-switchboard-max-wait}); empty: the provider's
 */
public record EmbeddingsCall(RequestTrace trace, long startedNanos, Caller caller, EmbeddingsRequest request,
    Optional<Duration> maxWait) {
  public EmbeddingsCall {
    requireNonNull(trace, "trace");
    requireNonNull(caller, "caller");
    requireNonNull(request, "request");
    requireNonNull(maxWait, "maxWait");
  }
}
