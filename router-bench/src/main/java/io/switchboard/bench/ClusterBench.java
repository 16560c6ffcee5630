package io.switchboard.bench;

import io.switchboard.bench.cluster.ClusterLayout;
import io.switchboard.bench.cluster.LocalCluster;
import io.switchboard.bench.cluster.NodeProcess;
import io.switchboard.bench.load.HttpLoad;
import io.switchboard.bench.load.LatencySummary;
import io.switchboard.bench.load.WarmUp;
import io.switchboard.bench.load.Wrk;
import io.switchboard.bench.load.WrkReport;
import io.switchboard.bench.report.MarkdownTable;
import io.switchboard.bench.report.ProcessCpu;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * Issue 7's fourth scenario: the same requests through a 3-node cluster, next to direct and one node
 * in the same run. run.sh starts the fake upstream and the single node ({@code run.sh cluster}); this
 * starts the cluster itself with {@link LocalCluster} (embedded PostgreSQL, N node JVMs on free
 * ports, waited for until all are Up), its one provider pointing at the same fake upstream:
 *
 * <pre>
 * java -cp router-bench.jar io.switchboard.bench.ClusterBench --out DIR --direct http://127.0.0.1:9100 \
 *     --upstream-port 9100 --upstream-pid 1233 --switchboard http://127.0.0.1:9102 --node-pid 1234 \
 *     --node-jar router-node/target/switchboard-node.jar [--profile quick] [--nodes 3] [--node-heap 1g]
 * </pre>
 *
 * <p>The generator spreads requests round-robin over the nodes' HTTP ports (no load balancer): the
 * Java generator by request, wrk as one process per node run at once. There is one provider, so its
 * entity lives on one node and the other nodes' requests are admitted over the network.
 */
final class ClusterBench {
  private final Profile profile;
  private final Path out;
  private final ProcessCpu upstreamCpu;
  private final StringBuilder report = new StringBuilder();
  private final List<String> loadAverages = new ArrayList<>();

  /** One path under test: its base URLs (several for the cluster) and the processes serving it. */
  private record Target(String name, List<URI> uris, Optional<ProcessCpu> cpu) {}

  private ClusterBench(Profile profile, Path out, ProcessCpu upstreamCpu) {
    this.profile = profile;
    this.out = out;
    this.upstreamCpu = upstreamCpu;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = BenchRun.options(args);
    Profile profile = Profile.named(opts.getOrDefault("profile", "quick"), 0, 0);
    Path out = Path.of(required(opts, "out")).toAbsolutePath();
    Files.createDirectories(out);
    int nodes = Integer.parseInt(opts.getOrDefault("nodes", "3"));
    int upstreamPort = Integer.parseInt(required(opts, "upstream-port"));
    ProcessCpu upstreamCpu = new ProcessCpu(opts.containsKey("upstream-pid")
        ? List.of(Long.parseLong(opts.get("upstream-pid"))) : List.of());
    List<Target> targets = new ArrayList<>();
    targets.add(new Target("direct", List.of(chat(required(opts, "direct"))), Optional.empty()));
    if (opts.containsKey("switchboard")) {
      targets.add(new Target("switchboard, 1 node", List.of(chat(opts.get("switchboard"))),
          Optional.of(new ProcessCpu(List.of(Long.parseLong(required(opts, "node-pid")))))));
    }
    Path runDir = out.resolve("cluster");
    Files.createDirectories(runDir);
    Path providerConfig = runDir.resolve("bench-provider.conf");
    Files.writeString(providerConfig, providerConfig(upstreamPort));
    ClusterLayout layout = new ClusterLayout("127.0.0.1", nodes, freeBase(nodes), freeBase(nodes), freeBase(nodes), runDir);
    LocalCluster.Options options = new LocalCluster.Options(layout,
        Path.of(opts.getOrDefault("node-jar", "router-node/target/switchboard-node.jar")).toAbsolutePath(),
        Optional.of(providerConfig), Optional.empty(), "switchboard", 0, opts.getOrDefault("node-heap", "1g"),
        Duration.ofMinutes(3));
    String machine = opts.containsKey("machine") ? Files.readString(Path.of(opts.get("machine"))) : "";
    ClusterBench run = new ClusterBench(profile, out, upstreamCpu);
    run.note("start");
    try (LocalCluster cluster = LocalCluster.start(options, line -> System.out.println("[cluster] " + line))) {
      run.note("cluster up");
      List<Long> pids = cluster.nodes().stream().map(NodeProcess::pid).toList();
      targets.add(new Target(nodes + "-node cluster, round-robin",
          layout.nodes().stream().map(n -> chat(n.httpUrl())).toList(), Optional.of(new ProcessCpu(pids))));
      run.runAll(targets, machine, layout);
    }
    System.exit(0);
  }

  private void runAll(List<Target> targets, String machine, ClusterLayout layout) throws Exception {
    report.append("# Switchboard cluster benchmark run (").append(profile.name()).append(")\n\n")
        .append("Started ").append(Instant.now()).append(". Direct, one node and a ").append(layout.nodeCount())
        .append("-node cluster in one run, one after another, against the same fake upstream. Every process ")
        .append("(generator, fake upstream, the single node, ").append(layout.nodeCount())
        .append(" cluster nodes, PostgreSQL) shares this machine's cores, so the cluster cannot add throughput ")
        .append("here: it measures what the cluster costs, not what it scales to.\n\n");
    if (!machine.isBlank()) report.append("## Machine\n\n```\n").append(machine.strip()).append("\n```\n\n");
    try (HttpLoad load = new HttpLoad()) {
      note("warm-up");
      boolean wrk = Wrk.installed();
      MarkdownTable warm = new MarkdownTable("scenario", "closed-loop rounds (" + (wrk ? "wrk, " : "Java generator, ")
          + profile.warmupRound().toSeconds() + " s each, " + profile.saturationConnections() + " connections)");
      for (Target t : targets) {
        List<ProcessCpu> jvms = new ArrayList<>(List.of(upstreamCpu));
        t.cpu().ifPresent(jvms::add);
        WarmUp.Result r = profile.warmUp().run(new WarmUpRound(load, t.name(), t.uris(),
            profile.saturationConnections(), profile.warmupRound(), wrk, out, jvms),
            line -> System.out.println(t.name() + " " + line));
        warm.row(t.name(), r.describe());
        load.closedLoop(t.name(), t.uris(), BenchRun.PLAIN, 16, Duration.ZERO, profile.warmup());
      }
      report.append("## Warm-up\n\nPlain requests in rounds until each scenario's throughput stops climbing (")
          .append(profile.warmUpRule()).append("), then ").append(profile.warmup().toSeconds())
          .append(" s from the Java generator. In the cluster every node sees a third of the requests, so its ")
          .append("code compiles more slowly than the single node's.\n\n").append(warm).append('\n');
      saturation(load, targets);
      fixedRates(load, targets);
    }
    note("end");
    report.append("## Where the provider entity lived\n\n").append(entityHome(layout)).append("\n\n");
    report.append("## Load average\n\n");
    for (String line : loadAverages) report.append("- ").append(line).append('\n');
    Files.writeString(out.resolve("report.md"), report.toString());
    System.out.println(report);
    System.out.println("report written to " + out.resolve("report.md"));
  }

  private void saturation(HttpLoad load, List<Target> targets) throws Exception {
    note("saturation");
    boolean wrk = Wrk.installed();
    int connections = profile.saturationConnections();
    MarkdownTable table = new MarkdownTable("scenario", "wrk req/s", "wrk p50", "wrk p99", "wrk errors",
        "java closed-loop req/s", "java p50 ms", "java p99 ms", "java errors", "proxy CPU µs/req");
    double directRps = 0;
    for (Target t : targets) {
      String rps = "–";
      String p50 = "–";
      String p99 = "–";
      String errors = "–";
      String cpuPerRequest = "–";
      if (wrk) {
        // One wrk per node, connections split between them, so the total matches the single-target runs.
        int each = Math.max(1, connections / t.uris().size());
        int threads = t.uris().size() == 1 ? 2 : 1;
        long cpuStart = t.cpu().map(ProcessCpu::micros).orElse(0L);
        List<WrkReport> reports = new ArrayList<>();
        List<Optional<String>> texts = Wrk.runEach(t.uris(), BenchRun.PLAIN, threads, each, profile.saturation(), out);
        for (int i = 0; i < texts.size(); i++) {
          if (texts.get(i).isEmpty()) continue;
          reports.add(WrkReport.parse(texts.get(i).get()));
          Files.writeString(out.resolve("wrk-" + t.name().replaceAll("[^a-z0-9]+", "-") + "-" + (i + 1) + ".txt"),
              texts.get(i).get());
        }
        double sum = reports.stream().mapToDouble(WrkReport::requestsPerSecond).sum();
        if (t.name().equals("direct")) directRps = sum;
        rps = MarkdownTable.num(sum, 0) + (t.name().equals("direct") ? "" : " (" + MarkdownTable.ratio(sum, directRps)
            + " direct)");
        p50 = reports.stream().map(WrkReport::p50).collect(Collectors.joining(" / "));
        p99 = reports.stream().map(WrkReport::p99).collect(Collectors.joining(" / "));
        errors = Long.toString(reports.stream().mapToLong(WrkReport::errors).sum());
        long cpuUsed = t.cpu().map(ProcessCpu::micros).orElse(0L) - cpuStart;
        double served = sum * profile.saturation().toSeconds();
        if (t.cpu().isPresent() && served > 0) cpuPerRequest = MarkdownTable.num(cpuUsed / served, 0);
      }
      LatencySummary closed = load.closedLoop(t.name(), t.uris(), BenchRun.PLAIN, connections, Duration.ofSeconds(3),
          profile.saturation());
      table.row(t.name(), rps, p50, p99, errors, MarkdownTable.num(closed.throughput(), 0),
          MarkdownTable.ms(closed.p50Micros()), MarkdownTable.ms(closed.p99Micros()), closed.errorCount(), cpuPerRequest);
    }
    report.append("## Throughput at saturation\n\nClosed loop, ").append(connections).append(" connections in all, ")
        .append(profile.saturation().toSeconds()).append(" s each; wrk first (for the cluster one wrk process per ")
        .append("node at once, 1 thread and ").append(connections).append(" / nodes connections each, rates added up; ")
        .append("p50 and p99 listed per node), then the Java generator (connection c to node c mod n). CPU per ")
        .append("request: user + system time of the proxy's processes (all cluster nodes together) over the wrk run, ")
        .append("divided by the requests wrk counted.\n\n").append(table).append('\n');
  }

  private void fixedRates(HttpLoad load, List<Target> targets) throws Exception {
    note("fixed rates");
    MarkdownTable table = new MarkdownTable("rate req/s", "scenario", "ok", "errors", "p50 ms", "p99 ms",
        "p99.9 ms", "added p50 ms", "added p99 ms", "added p99.9 ms", "generator send lag p99 ms", "proxy CPU µs/req");
    for (int rate : profile.rates()) {
      LatencySummary direct = null;
      for (Target t : targets) {
        load.openLoopWithLag(t.name(), t.uris(), BenchRun.PLAIN, rate, Duration.ZERO, profile.warmup());
        long cpuStart = t.cpu().map(ProcessCpu::micros).orElse(0L);
        HttpLoad.OpenLoopResult r = load.openLoopWithLag(t.name(), t.uris(), BenchRun.PLAIN, rate, Duration.ZERO,
            profile.measure());
        long cpuUsed = t.cpu().map(ProcessCpu::micros).orElse(0L) - cpuStart;
        LatencySummary l = r.latency();
        if (direct == null) direct = l;
        long[] added = l.addedOver(direct);
        boolean base = l == direct;
        long served = l.ok() + l.errorCount() - l.errors().getOrDefault(HttpLoad.OVERLOAD, 0L);
        table.row(rate, t.name(), l.ok(), l.errors().isEmpty() ? "0" : l.errorCount() + " " + l.errors(),
            MarkdownTable.ms(l.p50Micros()), MarkdownTable.ms(l.p99Micros()), MarkdownTable.ms(l.p999Micros()),
            base ? "–" : MarkdownTable.ms(added[0]), base ? "–" : MarkdownTable.ms(added[1]),
            base ? "–" : MarkdownTable.ms(added[2]), MarkdownTable.ms(r.sendLag().p99Micros()),
            t.cpu().isPresent() && served > 0 ? MarkdownTable.num((double) cpuUsed / served, 0) : "–");
      }
    }
    report.append("## Added latency at fixed rates\n\nOpen loop (constant arrival rate, latency from the intended ")
        .append("send time, request i to node i mod n), ").append(profile.warmup().toSeconds()).append(" s warm-up then ")
        .append(profile.measure().toSeconds()).append(" s measured per cell. \"Added\" is a scenario's percentile ")
        .append("minus direct's at the same rate.\n\n").append(table).append('\n');
    report.append("Fake upstream CPU over the whole run: ").append(upstreamCpu.micros() / 1000).append(" ms.\n\n");
  }

  /** The node whose log shows the provider entity starting: the one that admits every request. */
  private static String entityHome(ClusterLayout layout) {
    List<String> homes = new ArrayList<>();
    for (ClusterLayout.Node node : layout.nodes()) {
      try {
        if (Files.readString(node.logFile()).contains("provider 'bench' ready")) homes.add(node.name());
      } catch (IOException e) {
        // no log: not this one, as far as we can tell
      }
    }
    return homes.isEmpty() ? "Not found in the node logs."
        : "Started on " + String.join(", ", homes) + " (from the node logs, `provider 'bench' ready`): requests "
            + "sent to any other node were admitted over the network.";
  }

  /** As run.sh's single node: one OpenAI-style provider at the fake upstream, room for thousands in flight. */
  static String providerConfig(int upstreamPort) {
    return """
        # Written by ClusterBench: the provider every cluster node uses, as run.sh's single node.
        switchboard {
          providers.simulated = null
          models.switchboard-sim = null
          providers.bench {
            kind = openai
            max-in-flight = 4096
            queue { max-size = 30000 }
            connection-pool.max-connections = 4096
            openai.base-url = "http://127.0.0.1:%d/v1"
          }
          models.bench-model { provider = bench }
          # The load generators connect from loopback, past the default cap of connections per address.
          http.max-connections-per-address-exempt = ["127.0.0.1", "::1"]
        }
        pekko.http.server { max-connections = 30000, backlog = 4096 }
        """.formatted(upstreamPort);
  }

  /** The first of {@code count} consecutive free ports, from a random start in a high range. */
  static int freeBase(int count) {
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20_000, 40_000);
      boolean free = true;
      for (int p = base; p < base + count && free; p++) {
        try (ServerSocket socket = new ServerSocket(p)) {
          socket.setReuseAddress(true);
        } catch (IOException e) {
          free = false;
        }
      }
      if (free) return base;
    }
    throw new IllegalStateException("no " + count + " consecutive free ports found");
  }

  private void note(String phase) {
    String line = BenchRun.phaseLine(phase);
    loadAverages.add(line);
    System.out.println(line);
  }

  private static URI chat(String baseUrl) {
    return URI.create(baseUrl.replaceAll("/+$", "") + "/v1/chat/completions");
  }

  private static String required(Map<String, String> opts, String name) {
    String value = opts.get(name);
    if (value == null) throw new IllegalArgumentException("--" + name + " is required");
    return value;
  }
}
