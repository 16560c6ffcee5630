package io.switchboard.history;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.config.HistorySettings;
import io.switchboard.persistence.InMemoryStateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A node's side of the history: bounded buffer, one message per deployment per send, a local copy of summaries. */
@Tag("unit")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeHistoryTest {
  private final ActorTestKit kit = ActorTestKit.create("node-history");

  @AfterAll
  void stop() {
    kit.shutdownTestKit();
  }

  /** Entities that only note what they are told. */
  private static final class Told implements HistoryEntities {
    final List<String> labels = new ArrayList<>();
    final List<DeploymentHistory.Record> records = new ArrayList<>();

    @Override
    public void tell(String label, DeploymentHistory.Command command) {
      labels.add(label);
      records.add((DeploymentHistory.Record) command);
    }

    @Override
    public <R> CompletionStage<R> ask(String label, Function<ActorRef<R>, DeploymentHistory.Command> message,
        Duration timeout) {
      return CompletableFuture.failedFuture(new IllegalStateException("not asked here"));
    }
  }

  private static Outcome outcome(long latency) {
    return new Outcome(latency, latency, -1, 0, null, null);
  }

  @Test
  void outcomesOfOneSend_goAsOneMessagePerDeployment_inOrder() {
    Told told = new Told();
    NodeHistory history = new NodeHistory(HistorySettings.DEFAULTS, told, List.of());
    for (int i = 0; i < 500; i++) history.record(i % 2 == 0 ? "a/x" : "b/y", outcome(i));

    history.flush();

    assertEquals(List.of("a/x", "b/y"), told.labels);
    assertEquals(250, told.records.get(0).outcomes().size());
    assertEquals(0, told.records.get(0).outcomes().get(0).latencyMillis());
    assertEquals(498, told.records.get(0).outcomes().get(249).latencyMillis());
    history.flush();
    assertEquals(2, told.records.size(), "an empty buffer sends nothing");
  }

  @Test
  void aFullBuffer_dropsAndCountsRatherThanGrow() {
    Told told = new Told();
    HistorySettings small = new HistorySettings(1000, Duration.ofMillis(250), 10, Duration.ofSeconds(1),
        Duration.ofSeconds(5));
    NodeHistory history = new NodeHistory(small, told, List.of());
    for (int i = 0; i < 15; i++) history.record("a/x", outcome(i));

    history.flush();

    assertEquals(5, history.dropped());
    assertEquals(10, told.records.get(0).outcomes().size());
  }

  @Test
  void summary_isTheLocalCopyAsOfTheLastRefresh() throws Exception {
    HistorySettings settings = HistorySettings.DEFAULTS;
    HistoryEntities entities = HistoryEntities.local(
        kit.spawn(LocalHistories.create(settings, new InMemoryStateStore<>())), kit.system().scheduler());
    NodeHistory history = new NodeHistory(settings, entities, List.of("openai/gpt-4o"));
    for (int i = 1; i <= 10; i++) history.record("openai/gpt-4o", outcome(i * 10));
    history.record("openai/gpt-4o", new Outcome(0, 5_000, -1, 0, "provider_error", null));
    history.flush();

    assertEquals(HistorySummary.EMPTY, history.summary("openai/gpt-4o"), "not refreshed yet");
    history.refresh().toCompletableFuture().get(5, TimeUnit.SECONDS);

    HistorySummary summary = history.summary("openai/gpt-4o");
    assertEquals(11, summary.outcomes());
    assertEquals(1.0 / 11, summary.errorRate(), 1e-9);
    assertEquals(50, summary.latencyP50Millis());
    assertEquals(100, summary.latencyP99Millis());
    assertEquals(HistorySummary.EMPTY, history.summary("nobody/else"));
  }
}
