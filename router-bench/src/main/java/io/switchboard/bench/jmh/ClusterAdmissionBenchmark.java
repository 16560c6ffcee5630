package io.switchboard.bench.jmh;

import io.switchboard.config.ProviderSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.ProviderHandle;
import io.switchboard.provider.Providers;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
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
 * Admission on a sharded provider entity in a two-node cluster ({@link TwoNodeCluster}: two actor
 * systems in this JVM, Artery on loopback), the same {@code Acquire} → {@code Granted} →
 * {@code Release} as {@link AdmissionBenchmark}, asked from either node:
 *
 * <ul>
 *   <li>{@code local*}: from the node hosting the entity, through its shard region; no network.</li>
 *   <li>{@code remote*}: from the other node; {@code Acquire} and {@code Release} travel over Artery
 *       to the host, {@code Granted} back, each serialized as JSON (Switchboard's binding) both
 *       ways.</li>
 * </ul>
 *
 * <ul>
 *   <li>{@code remoteEcho*}: the baseline: an actor on the host that only answers, asked from the
 *       other node with JSON messages; what Artery and serialization cost here, without sharding or
 *       admission.</li>
 * </ul>
 *
 * <p>{@code *RoundTrip} and {@code remoteEcho}: one at a time, the caller waiting for each answer (a lone request's
 * latency). {@code *Pipelined}: {@value #BATCH} in flight at once, time per round trip (what the
 * entity and the link sustain). Both nodes share this JVM and its cores, so the remote figure includes
 * the sending node's serialization and TCP work as well as the host's: on a real cluster those run on
 * different machines, and loopback hides the wire latency of a real network (add its round-trip time).
 */
@Fork(jvmArgsAppend = "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2")
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class ClusterAdmissionBenchmark {
  static final int BATCH = AdmissionBenchmark.BATCH;

  private TwoNodeCluster cluster;
  private AdmissionRoundTrip local;
  private AdmissionRoundTrip remote;
  private ActorRef<Echo.Ping> echo;
  /** The other node's handle with {@code prefetch.permits}: admission from its stock of fetched permits. */
  private ProviderHandle prefetched;
  private long sequence;

  @Setup
  public void start() throws Exception {
    Config config = ConfigFactory.parseString("""
        switchboard.providers.p {
          kind = simulated, max-in-flight = 100000, queue.max-size = 100000
          # Limits far above what the benchmark spends, so every Acquire passes both buckets at once.
          limits { requests-per-minute = 1000000000, tokens-per-minute = 1000000000000 }
        }
        pekko.loglevel = WARNING
        # Two cluster nodes in one JVM: each registers its own JMX bean instead of warning.
        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
        """).withFallback(ConfigFactory.load()).resolve();
    cluster = TwoNodeCluster.start(config, "p");
    local = new AdmissionRoundTrip(cluster.host().system(), cluster.host().provider());
    remote = new AdmissionRoundTrip(cluster.remote().system(), cluster.remote().provider());
    echo = cluster.echoOnHostFromRemote();
    ProviderSettings withPrefetch = SwitchboardSettings.from(ConfigFactory.parseString(
            "switchboard.providers.p.prefetch { permits = " + BATCH + ", idle = 200ms }").withFallback(config).resolve(),
        name -> null).providers().get("p");
    prefetched = Providers.handle(cluster.remote().system(), withPrefetch, cluster.remote().provider(),
        call -> null, java.time.Clock.systemUTC());
    System.out.println("# provider entity on " + cluster.host().address() + "; remote node " + cluster.remote().address());
  }

  @TearDown
  public void stop() throws Exception {
    try {
      cluster.checkEntityStayed();
    } finally {
      cluster.close();
    }
  }

  @Benchmark
  public long localRoundTrip() {
    return local.acquireAndRelease().toCompletableFuture().join();
  }

  @Benchmark
  public long remoteRoundTrip() {
    return remote.acquireAndRelease().toCompletableFuture().join();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void localPipelined() {
    pipeline(local);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void remotePipelined() {
    pipeline(remote);
  }

  /**
   * From the other node through a handle with {@code prefetch.permits}: most admissions take a permit
   * fetched ahead (a batch per round trip, off the caller's path) and wait for no answer.
   */
  @Benchmark
  public void remotePrefetchedRoundTrip() {
    prefetchedAcquireAndRelease().join();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void remotePrefetchedPipelined() {
    CompletableFuture<?>[] inFlight = new CompletableFuture<?>[BATCH];
    for (int i = 0; i < BATCH; i++) inFlight[i] = prefetchedAcquireAndRelease();
    CompletableFuture.allOf(inFlight).join();
  }

  private CompletableFuture<Void> prefetchedAcquireAndRelease() {
    return prefetched.acquire(AdmissionRoundTrip.MODEL, 600, System.currentTimeMillis() + 10_000, false)
        .thenAccept(permit -> permit.release(AdmissionRoundTrip.USED)).toCompletableFuture();
  }

  @Benchmark
  public long remoteEcho() {
    return ping().toCompletableFuture().join().sequence();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void remoteEchoPipelined() {
    CompletableFuture<?>[] inFlight = new CompletableFuture<?>[BATCH];
    for (int i = 0; i < BATCH; i++) inFlight[i] = ping().toCompletableFuture();
    CompletableFuture.allOf(inFlight).join();
  }

  private CompletionStage<Echo.Pong> ping() {
    long n = ++sequence;
    return AskPattern.ask(echo, replyTo -> new Echo.Ping(n, replyTo), Duration.ofSeconds(10),
        cluster.remote().system().scheduler());
  }

  private static void pipeline(AdmissionRoundTrip admission) {
    CompletableFuture<?>[] inFlight = new CompletableFuture<?>[BATCH];
    for (int i = 0; i < BATCH; i++) inFlight[i] = admission.acquireAndRelease().toCompletableFuture();
    CompletableFuture.allOf(inFlight).join();
  }
}
