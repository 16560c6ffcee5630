package io.switchboard.provider.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.ManualClock;
import io.switchboard.api.ollama.ModelEntry;
import io.switchboard.api.ollama.ModelListing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The cached {@code /api/tags} of one Ollama server: asked at most once per refresh period, a failure counted as nothing pulled. */
@Tag("unit")
class PulledModelsTest {
  private static final Duration REFRESH = Duration.ofSeconds(30);

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));
  /** Each ask the cache made, answered by the test. */
  private final List<CompletableFuture<ModelListing>> asks = new ArrayList<>();
  private final PulledModels pulled = new PulledModels(this::ask, REFRESH, clock);

  private CompletionStage<ModelListing> ask() {
    CompletableFuture<ModelListing> answer = new CompletableFuture<>();
    asks.add(answer);
    return answer;
  }

  private static ModelListing listing(String... names) {
    List<ModelEntry> entries = new ArrayList<>();
    for (String name : names) entries.add(entry(name));
    return new ModelListing(entries);
  }

  private static ModelEntry entry(String name) {
    return new ModelEntry(name, name, null, null, null, null, null, null, null);
  }

  private static Optional<ModelListing> now(CompletionStage<Optional<ModelListing>> stage) throws Exception {
    return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void anAnswer_isTrustedForTheRefreshPeriod_thenTheServerIsAskedAgain() throws Exception {
    CompletionStage<Optional<ModelListing>> first = pulled.current();
    asks.get(0).complete(listing("llama3.2:latest"));
    assertTrue(now(first).orElseThrow().contains("llama3.2"));

    clock.advance(REFRESH.minusMillis(1));
    assertTrue(now(pulled.current()).orElseThrow().contains("llama3.2"));
    assertEquals(1, asks.size(), "asked once within the period");

    clock.advance(Duration.ofMillis(1));
    CompletionStage<Optional<ModelListing>> later = pulled.current();
    assertEquals(2, asks.size(), "asked again once the period is over");
    asks.get(1).complete(listing("mistral:latest"));
    assertEquals(Optional.of(false), now(later).map(l -> l.contains("llama3.2")), "the new answer replaces the old");
    assertTrue(now(later).orElseThrow().contains("mistral"));
  }

  @Test
  void listingsWhileAnAskIsOut_shareIt() throws Exception {
    CompletionStage<Optional<ModelListing>> a = pulled.current();
    CompletionStage<Optional<ModelListing>> b = pulled.current();
    assertEquals(1, asks.size());
    assertTrue(!a.toCompletableFuture().isDone() && !b.toCompletableFuture().isDone(), "both wait for the answer");

    ModelListing answer = listing("llama3.2:latest");
    asks.get(0).complete(answer);

    assertSame(answer, now(a).orElseThrow());
    assertSame(answer, now(b).orElseThrow());
  }

  @Test
  void aServerThatFails_hasPulledNothing_andIsNotAskedAgainWithinThePeriod() throws Exception {
    CompletionStage<Optional<ModelListing>> failed = pulled.current();
    asks.get(0).completeExceptionally(new RuntimeException("connection refused"));

    assertEquals(Optional.empty(), now(failed));
    assertEquals(Optional.empty(), now(pulled.current()));
    assertEquals(1, asks.size(), "a dead server is not asked on every listing");

    clock.advance(REFRESH);
    CompletionStage<Optional<ModelListing>> back = pulled.current();
    asks.get(1).complete(listing("llama3.2:latest"));
    assertTrue(now(back).orElseThrow().contains("llama3.2"), "asked again after the period, and back");
  }

  @Test
  void aServerThatDoesNotAnswerInTime_hasPulledNothing() throws Exception {
    PulledModels silent = new PulledModels(this::ask, REFRESH, clock, Duration.ofMillis(50));

    // The ask is never answered: the listing gives up after answerWithin rather than hang.
    assertEquals(Optional.empty(), now(silent.current()));
  }

  @Test
  void anAskThatThrows_countsAsNotAnswering() throws Exception {
    PulledModels broken = new PulledModels(() -> {
      throw new IllegalStateException("no pool");
    }, REFRESH, clock);

    assertEquals(Optional.empty(), now(broken.current()));
  }
}
