package io.switchboard.bench.jmh;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.ProviderActor;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Admission on a local provider actor with requests and tokens buckets: {@code Acquire} →
 * {@code Granted} → {@code Release} with usage. Checkpoints go to an in-memory store, so the figure
 * is the actor's own cost (the real store is written in batches, off the request path).
 *
 * <ul>
 *   <li>{@code roundTrip}: one at a time, the caller waiting for each answer; includes handing the
 *       reply back to the waiting thread, as a request does.</li>
 *   <li>{@code pipelined}: {@value #BATCH} round trips in flight at once, the actor's own throughput
 *       (time per round trip).</li>
 * </ul>
 */
// As the node's Main does: on two cores the JDK's common pool would otherwise start a thread per callback.
@Fork(jvmArgsAppend = "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2")
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class AdmissionBenchmark {
  static final int BATCH = 100;

  private ActorSystem<Void> system;
  private AdmissionRoundTrip admission;

  @Setup
  public void start() throws Exception {
    Config config = ConfigFactory.parseString("""
        switchboard.providers.p {
          kind = simulated, max-in-flight = 100000, queue.max-size = 100000
          # Limits far above what the benchmark spends, so every Acquire passes both buckets at once.
          limits { requests-per-minute = 1000000000, tokens-per-minute = 1000000000000 }
        }
        pekko.loglevel = WARNING
        """).withFallback(ConfigFactory.load()).resolve();
    SwitchboardSettings settings = SwitchboardSettings.from(config, name -> null);
    CompletableFuture<ActorRef<ProviderActor.Command>> spawned = new CompletableFuture<>();
    system = ActorSystem.create(Behaviors.setup(context -> {
      spawned.complete(context.spawn(ProviderActor.create(settings.providers().get("p"), new InMemoryStore(),
          Clock.systemUTC()), "provider-p"));
      return Behaviors.empty();
    }), "admission-bench", config);
    admission = new AdmissionRoundTrip(system, spawned.get(30, TimeUnit.SECONDS));
  }

  @TearDown
  public void stop() {
    system.terminate();
  }

  @Benchmark
  public long roundTrip() {
    return admission.acquireAndRelease().toCompletableFuture().join();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void pipelined() {
    CompletableFuture<?>[] inFlight = new CompletableFuture<?>[BATCH];
    for (int i = 0; i < BATCH; i++) inFlight[i] = admission.acquireAndRelease().toCompletableFuture();
    CompletableFuture.allOf(inFlight).join();
  }
}
