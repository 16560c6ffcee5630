package io.switchboard.bench.jmh;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.PersistenceSettings;
import io.switchboard.config.UsageSettings;
import io.switchboard.persistence.JdbcPool;
import io.switchboard.usage.UsageLedger;
import io.switchboard.usage.UsageRecord;
import io.switchboard.usage.UsageStore;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What {@code switchboard.usage.durability} costs a request: the wait, after its answer is ready, for
 * its usage record, on the node's default store (an H2 file) as {@code Metering} asks it of the ledger.
 * {@code committed}: an ask answered once the record's batch has committed and been written to the
 * file ({@code CHECKPOINT}); {@code batched}: a tell, the record written later by the flush.
 *
 * <ul>
 *   <li>{@code alone}: one request at a time: the whole commit is its own.</li>
 *   <li>{@code concurrent}: {@value #CONCURRENT} requests end at once and wait together; time per
 *       request. Group commit puts those that arrive during a write into the next one.</li>
 * </ul>
 *
 * <p>In {@code batched} mode the ledger cannot keep up with a benchmark loop of tells and drops records
 * past {@code max-buffered}; the figure is still what a request pays, a tell.
 */
@Fork(jvmArgsAppend = "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2")
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class LedgerCommitBenchmark {
  static final int CONCURRENT = 100;

  @Param({"committed", "batched"})
  public String durability;

  private final AtomicLong ids = new AtomicLong();
  private ActorSystem<Void> system;
  private JdbcPool pool;
  private ActorRef<UsageLedger.Command> ledger;
  private boolean committed;
  private Path dir;

  @Setup
  public void start() throws Exception {
    dir = Files.createTempDirectory("ledger-bench");
    system = ActorSystem.create(Behaviors.empty(), "ledger-bench",
        ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(ConfigFactory.load()));
    pool = JdbcPool.open(system, new PersistenceSettings(PersistenceSettings.Store.H2, dir, null));
    UsageStore store = new UsageStore();
    pool.runNow(c -> {
      store.createTable(c);
      return null;
    });
    committed = "committed".equals(durability);
    // Batched tells far faster than any database writes: the buffer fills and records are dropped, which
    // does not change what a request pays (one tell) but would print a warning every thousand drops.
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(UsageLedger.class))
        .setLevel(ch.qos.logback.classic.Level.ERROR);
    // The defaults of reference.conf.
    UsageSettings settings = new UsageSettings(Duration.ofSeconds(1), 500, 100_000,
        committed ? UsageSettings.Durability.COMMITTED : UsageSettings.Durability.BATCHED, Duration.ofSeconds(5));
    ledger = system.systemActorOf(UsageLedger.create(pool, store, settings), "usage-ledger",
        org.apache.pekko.actor.typed.Props.empty());
  }

  @TearDown
  public void stop() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
    pool.close();
  }

  private CompletionStage<Done> record() {
    UsageRecord record = new UsageRecord(System.currentTimeMillis(), "req-" + ids.incrementAndGet(), "key_bench",
        "m", "p/m", 120, 40, new BigDecimal("0.0012"), 35, null, UsageRecord.SUCCESS);
    if (!committed) {
      ledger.tell(new UsageLedger.Record(record));
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return AskPattern.<UsageLedger.Command, org.apache.pekko.pattern.StatusReply<Done>>ask(ledger,
        replyTo -> new UsageLedger.Record(record, replyTo), Duration.ofSeconds(5), system.scheduler())
        .thenApply(org.apache.pekko.pattern.StatusReply::getValue);
  }

  @Benchmark
  public Done alone() {
    return record().toCompletableFuture().join();
  }

  @Benchmark
  @OperationsPerInvocation(CONCURRENT)
  public void concurrent() {
    CompletableFuture<?>[] waiting = new CompletableFuture<?>[CONCURRENT];
    for (int i = 0; i < CONCURRENT; i++) waiting[i] = record().toCompletableFuture();
    CompletableFuture.allOf(waiting).join();
  }
}
