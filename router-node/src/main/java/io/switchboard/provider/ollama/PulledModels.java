package io.switchboard.provider.ollama;

import io.switchboard.api.ollama.ModelListing;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * What one Ollama server has pulled ({@code /api/tags}), as the model catalog needs it: asked when a
 * listing wants it, then trusted for {@code ollama.tags-refresh}, so {@code GET /v1/models} costs the
 * server at most one ask per period however often it is called. Concurrent listings while an ask is
 * out share it rather than ask again.
 *
 * <p>A server that fails, or does not answer within {@link #ANSWER_WITHIN}, is remembered as having
 * pulled nothing (empty) for the same period: its models are unavailable, and a dead server is not
 * asked on every listing. The period runs from the ask, on the injected clock.
 *
 * <pre>{@code
 * PulledModels pulled = new PulledModels(admin::pulled, Duration.ofSeconds(30), clock);
 * pulled.current().thenApply(tags -> tags.map(t -> t.contains("llama3.2")).orElse(false)); // false: not answering
 * }</pre>
 */
public final class PulledModels {
  /** As long as the catalog waits for a provider's status: a listing must not hang on a sick server. */
  public static final Duration ANSWER_WITHIN = Duration.ofSeconds(3);

  private final Supplier<CompletionStage<ModelListing>> ask;
  private final Duration refresh;
  private final Clock clock;
  private final Duration answerWithin;
  private final AtomicReference<Asked> last = new AtomicReference<>();

  /** One ask: when it was made and what it gave (or will give); empty when the server did not answer. */
  private record Asked(long atMillis, CompletableFuture<Optional<ModelListing>> listing) {}

  /**
   * @param ask asks the server for its pulled models ({@link OllamaAdmin#pulled()})
   * @param refresh how long an answer is trusted ({@code ollama.tags-refresh})
   */
  public PulledModels(Supplier<CompletionStage<ModelListing>> ask, Duration refresh, Clock clock) {
    this(ask, refresh, clock, ANSWER_WITHIN);
  }

  /** @param answerWithin how long an ask may take before the server counts as not answering */
  PulledModels(Supplier<CompletionStage<ModelListing>> ask, Duration refresh, Clock clock, Duration answerWithin) {
    this.ask = Objects.requireNonNull(ask, "ask");
    this.refresh = Objects.requireNonNull(refresh, "refresh");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.answerWithin = Objects.requireNonNull(answerWithin, "answerWithin");
  }

  /** The server's listing, at most {@code refresh} old; empty when the server did not answer the latest ask. */
  public CompletionStage<Optional<ModelListing>> current() {
    long now = clock.millis();
    Asked known = last.get();
    if (known != null && now - known.atMillis() < refresh.toMillis()) return known.listing().minimalCompletionStage();
    Asked fresh = new Asked(now, new CompletableFuture<>());
    // Only the caller that installs the new ask sends it; one that loses the race shares the winner's.
    if (!last.compareAndSet(known, fresh)) return last.get().listing().minimalCompletionStage();
    CompletionStage<ModelListing> answer;
    try {
      answer = ask.get();
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    answer.toCompletableFuture().copy()
        .orTimeout(answerWithin.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((listing, failure) ->
            fresh.listing().complete(failure == null ? Optional.ofNullable(listing) : Optional.empty()));
    return fresh.listing().minimalCompletionStage();
  }
}
