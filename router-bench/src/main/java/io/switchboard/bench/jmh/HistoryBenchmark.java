package io.switchboard.bench.jmh;

import io.switchboard.config.HistorySettings;
import io.switchboard.history.DeploymentHistory;
import io.switchboard.history.HistoryEntities;
import io.switchboard.history.HistorySummary;
import io.switchboard.history.NodeHistory;
import io.switchboard.history.Outcome;
import io.switchboard.history.OutcomeRing;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the performance history costs: on the request path, a node recording one outcome (an offer to
 * its bounded buffer, the send amortised: one flush per 100 outcomes) and reading a summary (a map
 * lookup); in a deployment's history, adding one outcome to the ring and working out the summary over
 * a full ring of 1,000 (done at most once per refresh). Memory per deployment: {@link HistoryFootprint}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class HistoryBenchmark {
  private static final String LABEL = "openai/gpt-4o";

  /** Entities that take a batch and drop it: the node's side only. */
  private static final HistoryEntities NOWHERE = new HistoryEntities() {
    @Override
    public void tell(String label, DeploymentHistory.Command command) {}

    @Override
    public <R> CompletionStage<R> ask(String label, Function<ActorRef<R>, DeploymentHistory.Command> message,
        Duration timeout) {
      return new CompletableFuture<>();
    }
  };

  private NodeHistory node;
  private OutcomeRing ring;
  private Outcome outcome;
  private long n;

  @Setup
  public void start() {
    node = new NodeHistory(HistorySettings.DEFAULTS, NOWHERE, List.of(LABEL));
    ring = HistoryFootprint.full(HistorySettings.DEFAULT_SIZE);
    outcome = new Outcome(System.currentTimeMillis(), 850, 120, 64.5, null, new BigDecimal("0.00042"));
  }

  @Benchmark
  public void nodeRecord() {
    node.record(LABEL, outcome);
    if (++n % 100 == 0) node.flush();
  }

  @Benchmark
  public HistorySummary nodeSummary() {
    return node.summary(LABEL);
  }

  @Benchmark
  public void ringAdd() {
    ring.add(outcome);
  }

  @Benchmark
  public void ringSummaryOfAThousand(Blackhole hole) {
    ring.add(outcome); // marks the summary stale, so it is worked out again
    hole.consume(ring.summary());
  }
}
