package io.switchboard.exchange;

import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.UpstreamSignals;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * What {@link ChatPipeline} answers a call with, in {@link #dialect()}: the caller's own, or OpenAI's
 * when the ingress must still translate it (only an Anthropic upstream answers in Anthropic's dialect).
 * A whole answer is settled before it is handed over; a stream is settled once, by whoever sends it,
 * through {@link Streaming#settle} when it ends, fails or its client leaves.
 */
public sealed interface Answer {
  Dialect dialect();

  Served served();

  /** Where an answer came from, for the response headers. */
  enum Cache {
    /** The call did not use the response cache. */
    NOT_USED,
    /** Served from the cache: no upstream was called. */
    HIT,
    /** Looked up, not found, fetched upstream (and stored if whole). */
    MISS
  }

  /**
   * @param deployment the label of the deployment that answered ({@code provider/model})
   * @param simulated whether that deployment is the built-in simulated provider
   * @param routed what an auto route chose and why; null when the client named a model
   * @param fannedOut what a fan-out did; null when the client asked for no fan-out
   */
  record Served(String deployment, boolean simulated, Cache cache, Routed routed, FannedOut fannedOut) {
    public Served(String deployment, boolean simulated, Cache cache) {
      this(deployment, simulated, cache, null, null);
    }

    public Served(String deployment, boolean simulated, Cache cache, Routed routed) {
      this(deployment, simulated, cache, routed, null);
    }

    /** The same without the route's and the fan-out's parts, which vary per request. */
    public Served unrouted() {
      return routed == null && fannedOut == null ? this : new Served(deployment, simulated, cache, null, null);
    }

    /** The same, told what a fan-out did. */
    public Served fannedOut(FannedOut what) {
      return new Served(deployment, simulated, cache, routed, what);
    }
  }

  /**
   * What a fan-out did, as the answer's headers tell it: {@code x-switchboard-fan-out} ({@code strategy} and
   * the winning candidate), and the strategy's own headers (consensus, the judge's choice) in order.
   */
  record FannedOut(String summary, java.util.Map<String, String> headers) {
    public FannedOut {
      headers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers));
    }
  }

  /**
   * An auto route's choice as the answer tells it.
   *
   * @param model the model that served (the chosen one, or the fallback that took over)
   * @param reason why it was chosen, and why it fell back if it did
   */
  record Routed(String model, String reason) {}

  /** A whole answer: a chat completion, or an Anthropic message. */
  record Complete(ByteString body, Dialect dialect, Served served) implements Answer {}

  /**
   * A stream of complete server-sent events (one event per element, each ending in a blank line).
   *
   * @param signals what the upstream said about its limits, settled with a stream that completes
   * @param settle called exactly once with how the stream ended
   * @param recorded completes once the usage record {@code settle} made is durable: the sender ends the
   *     stream (its last byte) only then ({@code switchboard.usage.durability})
   */
  record Streaming(Source<ByteString, NotUsed> events, Dialect dialect, Served served, UpstreamSignals signals,
      Consumer<CallOutcome> settle, CompletionStage<Done> recorded) implements Answer {

    /** A stream that makes no usage record worth waiting for (a replay from the cache). */
    public Streaming(Source<ByteString, NotUsed> events, Dialect dialect, Served served, UpstreamSignals signals,
        Consumer<CallOutcome> settle) {
      this(events, dialect, served, signals, settle, CompletableFuture.completedFuture(Done.getInstance()));
    }
  }
}
