package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Least-busy balancing over a {@link LoadView} whose provider answers the test controls: the least
 * loaded provider is chosen, ties are shared at random, this node's own picks count at once, and a
 * refresh replaces what the picks estimated.
 */
@Tag("unit")
class LeastBusyBalancingTest {
  /** Providers whose next load answer the test completes by hand. */
  private static final class Answers {
    final Map<String, CompletableFuture<Integer>> pending = new HashMap<>();
    final AtomicInteger asks = new AtomicInteger();

    CompletionStage<Integer> ask(String provider) {
      asks.incrementAndGet();
      CompletableFuture<Integer> answer = new CompletableFuture<>();
      pending.put(provider, answer);
      return answer;
    }

    void answer(String provider, int load) {
      pending.remove(provider).complete(load);
    }
  }

  private static void refresh(LoadView view, Answers answers, Map<String, Integer> loads) throws Exception {
    CompletionStage<Void> done = view.refresh();
    loads.forEach(answers::answer);
    done.toCompletableFuture().get(1, TimeUnit.SECONDS);
  }

  private static LeastBusyBalancing strategy(LoadView view, List<String> providers, long seed) {
    return new LeastBusyBalancing(providers.stream().mapToInt(view::slot).toArray(), view, new SplittableRandom(seed));
  }

  @Test
  void leastLoadedProvider_isChosen() throws Exception {
    Answers answers = new Answers();
    LoadView view = new LoadView(List.of("a", "b", "c"), answers::ask);
    refresh(view, answers, Map.of("a", 5, "b", 1, "c", 3));

    assertEquals(1, strategy(view, List.of("a", "b", "c"), 1).choose());
  }

  @Test
  void ownPicks_countAtOnce_soABurstIsSpreadUntilTheLoadsMeet() throws Exception {
    Answers answers = new Answers();
    LoadView view = new LoadView(List.of("a", "b"), answers::ask);
    refresh(view, answers, Map.of("a", 4, "b", 0));
    LeastBusyBalancing strategy = strategy(view, List.of("a", "b"), 1);

    int[] counts = new int[2];
    for (int i = 0; i < 4; i++) counts[strategy.choose()]++;
    assertEquals(0, counts[0], "b takes the first four, until it is as busy as a");
    for (int i = 0; i < 100; i++) counts[strategy.choose()]++;

    assertEquals(4 + 50, counts[1]);
    assertEquals(50, counts[0]);
  }

  @Test
  void ties_areSharedAtRandom() {
    // Two deployments of one provider always tie.
    LoadView view = new LoadView(List.of("a"), provider -> new CompletableFuture<>());
    LeastBusyBalancing strategy = strategy(view, List.of("a", "a"), 3);

    int first = 0;
    for (int i = 0; i < 10_000; i++) if (strategy.choose() == 0) first++;

    assertEquals(0.5, first / 10_000.0, 0.02);
  }

  @Test
  void refresh_replacesTheEstimate_andPicksMadeWhileAskingCountOnTop() throws Exception {
    Answers answers = new Answers();
    LoadView view = new LoadView(List.of("a", "b"), answers::ask);
    LeastBusyBalancing strategy = strategy(view, List.of("a", "b"), 1);
    refresh(view, answers, Map.of("a", 10, "b", 0));
    for (int i = 0; i < 6; i++) assertEquals(1, strategy.choose());
    assertEquals(6, view.load(view.slot("b")));

    CompletionStage<Void> asked = view.refresh();
    strategy.choose();
    strategy.choose();
    answers.answer("a", 10);
    answers.answer("b", 3);
    asked.toCompletableFuture().get(1, TimeUnit.SECONDS);

    assertEquals(3 + 2, view.load(view.slot("b")), "the two picks after the ask are not in its answer");
    assertEquals(10, view.load(view.slot("a")));
  }

  @Test
  void unansweredAsk_isNotRepeated_andAFailedOneKeepsTheLastReport() throws Exception {
    Answers answers = new Answers();
    LoadView view = new LoadView(List.of("a"), answers::ask);
    refresh(view, answers, Map.of("a", 7));

    CompletionStage<Void> first = view.refresh();
    view.refresh();
    view.refresh();
    assertEquals(2, answers.asks.get(), "one ask per refresh while answered, none on top of an unanswered one");
    answers.pending.remove("a").completeExceptionally(new RuntimeException("ask timed out"));
    first.toCompletableFuture().get(1, TimeUnit.SECONDS);

    assertEquals(7, view.load(view.slot("a")));
    view.refresh();
    assertEquals(3, answers.asks.get(), "asked again once the failed ask is over");
    assertTrue(view.load(view.slot("a")) >= 7);
  }
}
