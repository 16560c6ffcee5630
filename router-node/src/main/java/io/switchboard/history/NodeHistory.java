package io.switchboard.history;

import static java.util.Objects.requireNonNull;

import io.switchboard.config.HistorySettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import io.switchboard.persistence.StateStore;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * This node's side of the cluster's {@link PerformanceHistory}. {@link #record} puts an outcome in a
 * bounded buffer and returns (when the buffer is full the outcome is dropped and counted, so memory
 * never grows with traffic); every {@code history.flush-interval} the buffer is sent, one
 * {@link DeploymentHistory.Record} per deployment. Every {@code history.refresh-interval} the summary
 * of each deployment this node knows is asked of its history, and {@link #summary} reads that copy: a
 * map lookup, never a round trip, at most one refresh (plus one flush) behind the cluster.
 *
 * <pre>{@code
 * NodeHistory history = NodeHistory.start(system, settings, entities, List.of("openai/gpt-4o"));
 * history.record("openai/gpt-4o", outcome);
 * HistorySummary seen = history.summary("openai/gpt-4o");   // as of the last refresh
 * }</pre>
 */
public final class NodeHistory implements PerformanceHistory {
  private record Observed(String label, Outcome outcome) {}

  private final HistorySettings settings;
  private final HistoryEntities entities;
  private final ArrayBlockingQueue<Observed> buffer;
  private final LongAdder dropped = new LongAdder();
  private final Map<String, HistorySummary> summaries = new ConcurrentHashMap<>();
  private final Set<String> labels = ConcurrentHashMap.newKeySet();

  /** A node history whose flushes and refreshes the caller drives ({@link #flush}, {@link #refresh}): for tests. */
  public NodeHistory(HistorySettings settings, HistoryEntities entities, Iterable<String> known) {
    this.settings = requireNonNull(settings, "settings");
    this.entities = requireNonNull(entities, "entities");
    this.buffer = new ArrayBlockingQueue<>(settings.bufferSize());
    known.forEach(labels::add);
  }

  /**
   * This node's history: in a cluster over the shard region of deployment histories (one per deployment
   * in the whole cluster), on a single node over a {@link LocalHistories} spawned under {@code context};
   * either way persisted in the node's state store. {@code known}: the deployments to follow from the start.
   */
  public static NodeHistory start(ActorContext<?> context, HistorySettings settings, boolean cluster,
      Iterable<String> known) {
    ActorSystem<?> system = context.getSystem();
    StateStore<HistorySnapshot> store = StateStore.jdbc(system, HistorySnapshot.class);
    HistoryEntities entities = cluster ? DeploymentHistory.initSharding(system, settings, store)
        : HistoryEntities.local(context.spawn(LocalHistories.create(settings, store), "histories"), system.scheduler());
    return start(system, settings, entities, known);
  }

  /** A node history flushed and refreshed on {@code system}'s scheduler; {@code known}: the deployments to follow from the start. */
  public static NodeHistory start(ActorSystem<?> system, HistorySettings settings, HistoryEntities entities,
      Iterable<String> known) {
    NodeHistory history = new NodeHistory(settings, entities, known);
    system.scheduler().scheduleWithFixedDelay(settings.flushInterval(), settings.flushInterval(), history::flush,
        system.executionContext());
    system.scheduler().scheduleWithFixedDelay(Duration.ZERO, settings.refreshInterval(), history::refresh,
        system.executionContext());
    return history;
  }

  @Override
  public void record(String deployment, Outcome outcome) {
    if (!buffer.offer(new Observed(deployment, outcome))) dropped.increment();
  }

  @Override
  public HistorySummary summary(String deployment) {
    return summaries.getOrDefault(deployment, HistorySummary.EMPTY);
  }

  /** Outcomes dropped so far because the buffer was full. */
  public long dropped() {
    return dropped.sum();
  }

  /** The deployments this node follows: those it was started with and every one it recorded for. */
  public Set<String> deployments() {
    return Set.copyOf(labels);
  }

  /** Sends what the buffer holds, one message per deployment, oldest outcome first. */
  public void flush() {
    List<Observed> drained = new ArrayList<>();
    buffer.drainTo(drained);
    if (drained.isEmpty()) return;
    Map<String, List<Outcome>> byLabel = new LinkedHashMap<>();
    for (Observed o : drained) byLabel.computeIfAbsent(o.label(), l -> new ArrayList<>()).add(o.outcome());
    byLabel.forEach((label, outcomes) -> {
      labels.add(label);
      entities.tell(label, new DeploymentHistory.Record(List.copyOf(outcomes)));
    });
  }

  /** Asks every followed deployment's history for its summary; completes when all have answered or timed out. */
  public CompletionStage<Void> refresh() {
    List<CompletableFuture<?>> asks = new ArrayList<>();
    for (String label : labels) {
      asks.add(entities.<DeploymentHistory.Summarized>ask(label, DeploymentHistory.GetSummary::new,
              settings.refreshInterval())
          .thenAccept(answer -> summaries.put(label, answer.summary()))
          .exceptionally(unanswered -> null) // keep the last copy; the next refresh asks again
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new));
  }

  /** The summary and latest {@code limit} outcomes of {@code label}, asked of its history now. */
  public CompletionStage<DeploymentHistory.Latest> latest(String label, int limit, Duration timeout) {
    return entities.ask(label, replyTo -> new DeploymentHistory.GetLatest(limit, replyTo), timeout);
  }
}
