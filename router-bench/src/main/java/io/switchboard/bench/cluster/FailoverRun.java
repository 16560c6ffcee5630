package io.switchboard.bench.cluster;

import io.switchboard.bench.upstream.FakeUpstream;
import io.switchboard.bench.upstream.ReplyShape;
import io.switchboard.bench.upstream.RequestLimit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A process-level failover run: a fake OpenAI upstream that enforces its own requests-per-minute
 * limit, a local cluster (see {@link LocalCluster}) whose one provider points at it with the same
 * limit, open-loop load over every node, and a SIGKILL of one node partway through. It then stops
 * the cluster and writes a markdown report of what clients and upstream saw ({@link FailoverReport}).
 *
 * <pre>
 * java -cp router-bench.jar io.switchboard.bench.cluster.FailoverRun [--rate 200] [--stream-share 0.2]
 *     [--rpm 4800] [--before 45s] [--after 45s] [--kill 1] [--out deploy/.cluster/failover-report.md]
 *     [any LocalCluster start option]
 * </pre>
 *
 * <p>A {@code --config} file is included before the run's own provider, e.g. to try other cluster
 * settings ({@code switchboard.cluster.split-brain-stable-after}) under the same load.
 *
 * <p>The limit is set below the offered rate on purpose: the upstream's budget is nearly spent when
 * the node dies, which is when a re-homed provider entity that forgot what was spent would let a
 * burst through. The requests the gateway holds back are answered 429 in the OpenAI envelope.
 */
public final class FailoverRun {
  private FailoverRun() {}

  private static final String MODEL = "bench-model";

  public static void main(String[] args) throws Exception {
    Set<String> known = new HashSet<>(LocalCluster.START_FLAGS);
    known.addAll(Set.of("rate", "stream-share", "rpm", "before", "after", "kill", "out", "request-timeout"));
    Flags flags;
    try {
      flags = Flags.parse(args, 0, known);
    } catch (IllegalArgumentException e) {
      System.err.println("failover: " + e.getMessage());
      usage().forEach(System.err::println);
      System.exit(2);
      return;
    }
    LocalCluster.Options options = LocalCluster.options(flags, Path.of("deploy/.cluster"));
    double rate = flags.decimal("rate", 200);
    double streamShare = flags.decimal("stream-share", 0.2);
    long rpm = flags.integer("rpm", 4800);
    Duration before = flags.duration("before", Duration.ofSeconds(45));
    Duration after = flags.duration("after", Duration.ofSeconds(45));
    int kill = flags.integer("kill", 1);
    Duration requestTimeout = flags.duration("request-timeout", Duration.ofSeconds(30));
    Path out = Path.of(flags.get("out", options.layout().runDir().resolve("failover-report.md").toString()));
    if (kill < 1 || kill > options.layout().nodeCount()) {
      System.err.println("failover: --kill " + kill + " is not a node of 1.." + options.layout().nodeCount());
      System.exit(2);
    }

    RequestLimit limit = new RequestLimit(rpm, System::nanoTime);
    ReplyShape shape = new ReplyShape(false, 16, Duration.ZERO, Duration.ZERO);
    FakeUpstream.Running upstream = FakeUpstream.start("127.0.0.1", 0, shape, limit).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    log("fake upstream on 127.0.0.1:" + upstream.port() + ", enforcing " + rpm + " requests/minute");
    Files.createDirectories(options.layout().runDir());
    Path providerConfig = options.layout().runDir().resolve("failover-provider.conf");
    Files.writeString(providerConfig, options.userConfig()
        .map(user -> "include file(" + NodeConfigs.quote(user.toAbsolutePath().toString()) + ")\n").orElse("")
        + providerConfig(upstream.port(), rpm));
    LocalCluster.Options withProvider = new LocalCluster.Options(options.layout(), options.nodeJar(),
        Optional.of(providerConfig), options.dbUrl(), options.dbUser(), options.pgPort(), options.nodeHeap(),
        options.startTimeout());

    FailoverLoad.Result result;
    try (LocalCluster cluster = LocalCluster.start(withProvider, FailoverRun::log);
        FailoverLoad load = new FailoverLoad(cluster.layout().nodes().stream().map(ClusterLayout.Node::httpUrl).toList(),
            MODEL, streamShare, requestTimeout)) {
      cluster.summary().forEach(FailoverRun::log);
      NodeProcess victim = cluster.nodes().get(kill - 1);
      log("load: " + rate + " req/s for " + before.plus(after).toSeconds() + " s; SIGKILL of node-" + kill
          + " (pid " + victim.pid() + ") after " + before.toSeconds() + " s");
      result = load.run(rate, before.plus(after), before, kill, () -> {
        try {
          victim.kill();
          log("node-" + kill + " killed");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      log("load done; the survivors after the kill:");
      new ClusterProbe().describe(cluster.layout().nodes()).forEach(FailoverRun::log);
    } finally {
      upstream.stop();
    }
    String command = "deploy/cluster.sh failover " + String.join(" ", args);
    String report = FailoverReport.render(
        new FailoverReport.Setup(command.trim(), options.layout().nodeCount(), rate, streamShare, rpm, machine()),
        result, limit.stats(), 5_000);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, report);
    System.out.println(report);
    log("report written to " + out.toAbsolutePath());
    System.exit(0);
  }

  /** The provider the run's nodes use: the fake upstream, with its limit, a short queue wait. */
  static String providerConfig(int upstreamPort, long rpm) {
    return """
        # Written by FailoverRun: the one provider of a failover run, pointing at its fake upstream.
        switchboard {
          providers.simulated = null
          models.switchboard-sim = null
          providers.limited {
            kind = openai
            openai.base-url = "http://127.0.0.1:%d/v1"
            limits.requests-per-minute = %d
            max-in-flight = 256
            connection-pool.max-connections = 256
            # Requests held back by the limit wait at most this long, then get 429 with Retry-After.
            queue { max-size = 2048, max-wait = 5s }
          }
          models.%s { provider = limited }
          # The load generator connects from loopback, where a load balancer would: past the default cap
          # of connections per client address, which closed the connections of requests waiting out a
          # failover as "lost" instead of letting them be answered.
          http.max-connections-per-address-exempt = ["127.0.0.1", "::1"]
        }
        """.formatted(upstreamPort, rpm, MODEL);
  }

  private static String machine() {
    String cpu = "unknown cpu";
    String memory = "";
    try {
      cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
      memory = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
          .findFirst().map(l -> String.format(Locale.ROOT, ", %.1f GiB",
              Long.parseLong(l.replaceAll("\\D", "")) / 1048576.0)).orElse("");
    } catch (IOException | RuntimeException e) {
      // Not Linux: the report says less about the machine.
    }
    return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + ")" + memory + ", JDK "
        + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " " + System.getProperty("os.version")
        + "; fake upstream, load generator and all nodes on this one machine";
  }

  private static void log(String line) {
    System.out.println("[failover] " + line);
  }

  static List<String> usage() {
    return List.of("usage: FailoverRun [--rate 200] [--stream-share 0.2] [--rpm 4800] [--before 45s] [--after 45s]",
        "    [--kill 1] [--out FILE] [--request-timeout 30s] [LocalCluster start options]");
  }
}
