package io.switchboard.bench.cluster;

import io.switchboard.bench.load.Await;
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
 * Process-level runs of a local cluster under load: a fake OpenAI upstream that enforces its own
 * requests-per-minute limit, a local cluster (see {@link LocalCluster}) whose one provider points at
 * it with the same limit, open-loop load over the nodes in rotation ({@link FailoverLoad}), and one of
 * three things done to the cluster meanwhile:
 *
 * <ul>
 *   <li>{@code kill} (the default): SIGKILL of one node partway through;
 *   <li>{@code pause}: SIGSTOP of one node for {@code --pause} (30 s), then SIGCONT; the run watches
 *       whether the cluster downs it (and it shuts itself down) or it rejoins;
 *   <li>{@code rolling}: a graceful rolling restart, each node in turn taken out of rotation, stopped
 *       with SIGTERM, started again with the same config and let back once Up and ready.
 * </ul>
 *
 * It then stops the cluster and writes a markdown report of what clients and upstream saw and what
 * happened when ({@link FailoverReport}).
 *
 * <pre>
 * java -cp router-bench.jar io.switchboard.bench.cluster.FailoverRun [kill] [--rate 100] [--stream-share 0.2]
 *     [--rpm 2400] [--before 45s] [--after 45s] [--kill 1] [--out deploy/.cluster/failover-report.md]
 *     [any LocalCluster start option]
 * ... FailoverRun pause [--node 1] [--before 45s] [--pause 30s] [--after 60s] [--rpm 2400] ...
 * ... FailoverRun rolling [--before 30s] [--settle 10s] [--after 30s] [--rate 100] [--rpm 12000] ...
 * </pre>
 *
 * <p>A {@code --config} file is included before the run's own provider, e.g. to try other cluster
 * settings ({@code switchboard.cluster.split-brain-stable-after}) under the same load.
 *
 * <p>For a kill or a pause the limit is set below the offered rate on purpose: the upstream's budget
 * is nearly spent when the node dies or freezes, which is when a re-homed provider entity that forgot
 * what was spent, or a node that wakes up with allowances that expired while it slept, would let a
 * burst through. The requests the gateway holds back are answered 429 in the OpenAI envelope. A
 * rolling restart's limit is above the offered rate, so that every answer but a 200 is an error.
 */
public final class FailoverRun {
  private FailoverRun() {}

  private static final String MODEL = "bench-model";
  /** How late the generator may write requests when a run disrupts a node. */
  static final Duration ON_TIME = Duration.ofMillis(250);
  /** How long a run waits for the generator to be {@link #ON_TIME} before it disrupts a node anyway. */
  static final Duration ON_TIME_WITHIN = Duration.ofSeconds(60);
  private static final Set<String> COMMON = Set.of("rate", "stream-share", "rpm", "before", "after", "out",
      "request-timeout");

  public static void main(String[] args) throws Exception {
    int from = args.length > 0 && !args[0].startsWith("--") ? 1 : 0;
    FailoverReport.Mode mode = FailoverReport.Mode.KILL;
    if (from == 1) {
      try {
        mode = FailoverReport.Mode.valueOf(args[0].toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        System.err.println("failover: no run '" + args[0] + "'; kill, pause or rolling");
        usage().forEach(System.err::println);
        System.exit(2);
        return;
      }
    }
    run(mode, args, from);
  }

  private static void run(FailoverReport.Mode mode, String[] args, int from) throws Exception {
    Set<String> known = new HashSet<>(LocalCluster.START_FLAGS);
    known.addAll(COMMON);
    known.addAll(switch (mode) {
      case KILL -> Set.of("kill");
      case PAUSE -> Set.of("node", "pause");
      case ROLLING -> Set.of("settle");
    });
    Flags flags;
    try {
      flags = Flags.parse(args, from, known);
    } catch (IllegalArgumentException e) {
      System.err.println("failover: " + e.getMessage());
      usage().forEach(System.err::println);
      System.exit(2);
      return;
    }
    LocalCluster.Options options = LocalCluster.options(flags, Path.of("deploy/.cluster"));
    boolean rolling = mode == FailoverReport.Mode.ROLLING;
    double rate = flags.decimal("rate", 100);
    double streamShare = flags.decimal("stream-share", 0.2);
    long rpm = flags.integer("rpm", rolling ? 12_000 : 2400);
    Duration before = flags.duration("before", Duration.ofSeconds(rolling ? 30 : 45));
    Duration after = flags.duration("after", Duration.ofSeconds(switch (mode) {
      case KILL -> 45;
      case PAUSE -> 60;
      case ROLLING -> 30;
    }));
    int node = mode == FailoverReport.Mode.KILL ? flags.integer("kill", 1) : flags.integer("node", 1);
    Duration pause = flags.duration("pause", Duration.ofSeconds(30));
    Duration settle = flags.duration("settle", Duration.ofSeconds(10));
    Duration requestTimeout = flags.duration("request-timeout", Duration.ofSeconds(30));
    String name = switch (mode) {
      case KILL -> "failover";
      case PAUSE -> "pause";
      case ROLLING -> "rolling";
    };
    Path out = Path.of(flags.get("out", options.layout().runDir().resolve(name + "-report.md").toString()));
    if (node < 1 || node > options.layout().nodeCount()) {
      System.err.println("failover: node " + node + " is not a node of 1.." + options.layout().nodeCount());
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
    List<Double> loads = new java.util.concurrent.CopyOnWriteArrayList<>();
    // The machine's load average every 5 s while the load runs, for the report.
    java.util.concurrent.ScheduledExecutorService loadAverages = java.util.concurrent.Executors
        .newSingleThreadScheduledExecutor(task -> {
          Thread sampler = new Thread(task, "load-average");
          sampler.setDaemon(true);
          return sampler;
        });
    long[] window = {-1, -1};
    long[] logFrom = {0};
    try (LocalCluster cluster = LocalCluster.start(withProvider, FailoverRun::log);
        FailoverLoad load = new FailoverLoad(cluster.layout().nodes().stream().map(ClusterLayout.Node::httpUrl).toList(),
            MODEL, streamShare, requestTimeout)) {
      cluster.summary().forEach(FailoverRun::log);
      FailoverLoad.Scenario scenario = switch (mode) {
        case KILL -> (lb, timeline) -> {
          NodeProcess victim = cluster.nodes().get(node - 1);
          parkUntil(timeline, before);
          awaitOnTime(load, timeline);
          lb.hold(node);
          window[0] = window[1] = timeline.action("SIGKILL node-" + node);
          victim.kill();
        };
        case PAUSE -> (lb, timeline) -> {
          NodeProcess victim = cluster.nodes().get(node - 1);
          parkUntil(timeline, before);
          awaitOnTime(load, timeline);
          lb.hold(node);
          logFrom[0] = Files.size(victim.node().logFile());
          window[0] = timeline.action("SIGSTOP node-" + node);
          victim.pause();
          parkUntil(timeline, Duration.ofMillis(window[0]).plus(pause));
          window[1] = timeline.action("SIGCONT node-" + node);
          victim.resume();
          // Back in rotation if and when its /ready answers 200 again.
          lb.release(node);
        };
        case ROLLING -> (lb, timeline) -> rollingRestart(cluster, load, lb, timeline, before, settle,
            options.startTimeout());
      };
      log("load: " + rate + " req/s; " + switch (mode) {
        case KILL -> "SIGKILL of node-" + node + " after " + before.toSeconds() + " s, then " + after.toSeconds() + " s more";
        case PAUSE -> "SIGSTOP of node-" + node + " after " + before.toSeconds() + " s, SIGCONT " + pause.toSeconds()
            + " s later, then " + after.toSeconds() + " s more";
        case ROLLING -> "each node restarted in turn after " + before.toSeconds() + " s, " + settle.toSeconds()
            + " s apart, then " + after.toSeconds() + " s more";
      });
      java.util.concurrent.atomic.AtomicReference<MemberWatch> watch = new java.util.concurrent.atomic.AtomicReference<>();
      loadAverages.scheduleAtFixedRate(() -> loadAverage().ifPresent(loads::add), 0, 5, TimeUnit.SECONDS);
      try {
        result = load.run(rate, after, mode != FailoverReport.Mode.KILL, (lb, timeline) -> {
          // Every mode watches the members, the kill too: its timeline then shows when the survivors
          // saw the killed node unreachable, when it was downed and removed, and when they were ready.
          watch.set(new MemberWatch(cluster.layout().nodes(), cluster::nodes, timeline));
          watch.get().start();
          scenario.play(lb, timeline);
        }, FailoverRun::log);
      } finally {
        if (watch.get() != null) watch.get().close();
        loadAverages.shutdownNow();
      }
      log("load done; the nodes now:");
      new ClusterProbe().describe(cluster.layout().nodes()).forEach(FailoverRun::log);
    } finally {
      upstream.stop();
    }
    String command = "deploy/cluster.sh " + name + " " + String.join(" ", java.util.Arrays.copyOfRange(args, from, args.length));
    FailoverReport.Disruption disruption = mode == FailoverReport.Mode.ROLLING ? FailoverReport.Disruption.NONE
        : new FailoverReport.Disruption(node, window[0], window[1]);
    String report = FailoverReport.render(
        new FailoverReport.Setup(command.trim(), mode, options.layout().nodeCount(), rate, streamShare, rpm,
            machine() + loadSummary(loads)),
        disruption, result, limit.stats(), 5_000);
    if (mode == FailoverReport.Mode.PAUSE) {
      ClusterLayout.Node paused = options.layout().nodes().get(node - 1);
      report += "\n" + logExcerpt(paused, logFrom[0]);
    }
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, report);
    Path requests = out.resolveSibling(out.getFileName().toString().replaceFirst("\\.md$", "") + ".requests.csv");
    Files.writeString(requests, FailoverReport.csv(result.requests()));
    System.out.println(report);
    log("report written to " + out.toAbsolutePath() + ", every request to " + requests.toAbsolutePath());
    System.exit(0);
  }

  /**
   * Each node in turn: out of rotation, SIGTERM (up to {@link LocalCluster#STOP_GRACE} to leave and
   * drain), started again, and back in rotation once every node is ready and sees every member Up;
   * then {@code settle} before the next.
   */
  private static void rollingRestart(LocalCluster cluster, FailoverLoad load, Balancer lb, Timeline timeline,
      Duration before, Duration settle, Duration upTimeout) throws Exception {
    parkUntil(timeline, before);
    int count = cluster.layout().nodeCount();
    for (int n = 1; n <= count; n++) {
      NodeProcess process = cluster.nodes().get(n - 1);
      awaitOnTime(load, timeline);
      lb.hold(n);
      timeline.action("SIGTERM node-" + n);
      boolean byItself = process.stop(LocalCluster.STOP_GRACE);
      timeline.saw("node-" + n + (byItself ? " exited by itself, code " + process.exitCode().orElse(-1)
          : " outstayed " + LocalCluster.STOP_GRACE.toSeconds() + " s and was killed"));
      cluster.restart(n);
      timeline.action("start node-" + n);
      if (!new ClusterProbe().awaitUp(cluster.layout().nodes(), count, upTimeout, line -> {})) {
        timeline.saw("the cluster was not up again within " + upTimeout.toSeconds() + " s; the run stops restarting");
        lb.release(n);
        return;
      }
      timeline.saw("node-" + n + " is Up and ready, every node sees " + count + " Up");
      lb.release(n);
      if (n < count) parkUntil(timeline, Duration.ofMillis(timeline.nowMillis()).plus(settle));
    }
  }

  /**
   * Waits, up to {@link #ON_TIME_WITHIN}, until the load generator writes its requests within
   * {@link #ON_TIME} of their due time, so that a disruption meets requests the balancer has just sent
   * rather than a backlog it chose nodes for seconds ago (see {@link Lateness}). The timeline says when
   * it was, or that it never was.
   */
  private static void awaitOnTime(FailoverLoad load, Timeline timeline) throws InterruptedException {
    boolean onTime = Await.until(() -> {
      long late = load.recentLatenessMillis();
      return late != Lateness.NONE && late <= ON_TIME.toMillis();
    }, ON_TIME_WITHIN, Duration.ofMillis(100));
    long late = load.recentLatenessMillis();
    String howLate = late == Lateness.NONE ? "not at all" : "at most " + late + " ms late";
    timeline.saw(onTime ? "the load generator writes on time (the last 2 s: " + howLate + ")"
        : "the load generator still writes requests " + howLate + " after " + ON_TIME_WITHIN.toSeconds()
            + " s of waiting; the run goes on");
  }

  private static void parkUntil(Timeline timeline, Duration offset) throws InterruptedException {
    long left;
    while ((left = offset.toMillis() - timeline.nowMillis()) > 0) {
      java.util.concurrent.locks.LockSupport.parkNanos(left * 1_000_000);
      if (Thread.interrupted()) throw new InterruptedException();
    }
  }

  /** The paused node's log lines from the pause on that tell what it did: membership, downing, shutdown. */
  static String logExcerpt(ClusterLayout.Node node, long fromByte) {
    StringBuilder out = new StringBuilder("## ").append(node.name()).append("'s log from the pause on (selected lines)\n\n");
    List<String> lines;
    try {
      byte[] all = Files.readAllBytes(node.logFile());
      int start = (int) Math.min(fromByte, all.length);
      lines = new String(all, start, all.length - start, java.nio.charset.StandardCharsets.UTF_8).lines()
          .filter(FailoverRun::tellsWhatHappened).toList();
    } catch (IOException e) {
      return out.append("(could not read ").append(node.logFile()).append(": ").append(e.getMessage()).append(")\n").toString();
    }
    int cap = 60;
    out.append("```\n");
    lines.stream().limit(cap).forEach(l -> out.append(l.length() > 400 ? l.substring(0, 400) + " ..." : l).append('\n'));
    out.append("```\n");
    if (lines.size() > cap) out.append("\n(").append(lines.size() - cap).append(" more such lines in ").append(node.logFile().getFileName()).append(")\n");
    return out.toString();
  }

  static boolean tellsWhatHappened(String line) {
    String l = line.toLowerCase(Locale.ROOT);
    return l.contains("unreachable") || l.contains("down") || l.contains("split") || l.contains("shutdown")
        || l.contains("shutting") || l.contains("leav") || l.contains("removed") || l.contains("quarantin")
        || l.contains("exiting") || l.contains("welcome") || l.contains("joined") || l.contains("terminat")
        || l.contains("warn") || l.contains("error");
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

  /** The 1-minute load average, on Linux. */
  private static Optional<Double> loadAverage() {
    try {
      return Optional.of(Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** How busy the machine was during the load: the 1-minute load average, sampled every 5 s. */
  static String loadSummary(List<Double> loads) {
    if (loads.isEmpty()) return "";
    double mean = loads.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    double max = loads.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    return String.format(Locale.ROOT, "; load average (1 min) during the load: mean %.1f, max %.1f", mean, max);
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
    return List.of("usage: FailoverRun [kill] [--rate 100] [--stream-share 0.2] [--rpm 2400] [--before 45s] [--after 45s]",
        "    [--kill 1] [--out FILE] [--request-timeout 30s] [LocalCluster start options]",
        "       FailoverRun pause [--node 1] [--before 45s] [--pause 30s] [--after 60s] [--rate 100] [--rpm 2400] ...",
        "       FailoverRun rolling [--before 30s] [--settle 10s] [--after 30s] [--rate 100] [--rpm 12000] ...");
  }
}
