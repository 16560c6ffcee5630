package io.switchboard.bench;

import io.switchboard.bench.load.Await;
import io.switchboard.bench.load.H2Streams;
import io.switchboard.bench.load.HttpLoad;
import io.switchboard.bench.load.LatencySummary;
import io.switchboard.bench.load.WarmUp;
import io.switchboard.bench.load.Wrk;
import io.switchboard.bench.load.WrkReport;
import io.switchboard.bench.report.Charts;
import io.switchboard.bench.report.MarkdownTable;
import io.switchboard.bench.report.NodeProbe;
import io.switchboard.bench.report.ProcessCpu;
import io.switchboard.bench.report.ProcessMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs every scenario in one process, one after another, so their ratios are taken under the same
 * machine load, then writes {@code report.md} and PNG charts into the output directory. run.sh starts
 * the servers and calls this:
 *
 * <pre>
 * java -cp router-bench.jar io.switchboard.bench.BenchRun --profile full --out DIR \
 *     --direct http://127.0.0.1:9100 --nginx http://127.0.0.1:9101 --switchboard http://127.0.0.1:9102 \
 *     --node-pid 1234 [--pekko http://127.0.0.1:9103 --pekko-pid 1235] [--max-streams 9500] [--machine FILE] \
 *     [--max-h2-streams 10000 --h2-streams-per-connection 1000]
 * </pre>
 *
 * <p>{@code --max-streams} caps the held streams over HTTP/1.1, {@code --max-h2-streams} those over h2c
 * ({@link H2Streams}); {@code --h2-streams-per-connection} must not exceed the streams node's
 * {@code pekko.http.server.http2.max-concurrent-streams} (Pekko's default, 256, when not given). The h2c
 * sizes need a streams node with {@code switchboard.http.http2 = on}, as run.sh starts it.
 *
 * <p>{@code --pekko} adds the {@link io.switchboard.bench.upstream.BarePekkoProxy}: Pekko HTTP's server
 * and pooled client with nothing between them, the floor of the stack Switchboard is built on.
 */
public final class BenchRun {
  static final String PLAIN = "{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],"
      + "\"max_tokens\":16}";
  static final String STREAM = "{\"model\":\"bench-model\",\"stream\":true,\"messages\":[{\"role\":\"user\","
      + "\"content\":\"Say hello\"}],\"max_tokens\":16,\"bench_chunks\":16,\"bench_interval_ms\":10}";
  /** The scenario through the bare Pekko HTTP proxy. */
  static final String PEKKO = "pekko-http";
  /** Held streams are opened at this many a second, whatever the client protocol. */
  private static final double HELD_OPEN_RATE = 1000;
  private static final String HTTP_1_1 = "HTTP/1.1";
  private static final String H2C = "h2c";
  /** Open files on the streams node above its idle count that still count as "the streams' sockets closed". */
  private static final int SOCKET_SLACK = 64;

  private final Profile profile;
  private final List<Scenario> scenarios;
  private final Scenario switchboard;
  private final NodeProbe node;
  private Scenario streamsNode;
  private NodeProbe streamsProbe;
  /** What the held streams' node calls when it is not the shared fake upstream, or null when it is. */
  private String streamsUpstream;
  /** Streams to one h2c connection: at most the streams node's {@code pekko.http.server.http2.max-concurrent-streams}. */
  private int h2StreamsPerConnection = 256;
  private final Map<String, ProcessCpu> proxyCpu;
  private final ProcessCpu upstreamCpu;
  private final Path out;
  private final StringBuilder report = new StringBuilder();
  private final List<String> loadAverages = new ArrayList<>();

  private BenchRun(Profile profile, List<Scenario> scenarios, Scenario switchboard, NodeProbe node,
      Map<String, ProcessCpu> proxyCpu, ProcessCpu upstreamCpu, Path out) {
    this.profile = profile;
    this.scenarios = scenarios;
    this.switchboard = switchboard;
    this.node = node;
    this.proxyCpu = proxyCpu;
    this.upstreamCpu = upstreamCpu;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = options(args);
    int maxStreams = Integer.parseInt(opts.getOrDefault("max-streams", "10000"));
    int maxH2Streams = Integer.parseInt(opts.getOrDefault("max-h2-streams", "10000"));
    Profile profile = Profile.named(opts.getOrDefault("profile", "quick"), maxStreams, maxH2Streams);
    List<Scenario> scenarios = new ArrayList<>();
    scenarios.add(Scenario.at("direct", required(opts, "direct")));
    if (opts.containsKey("nginx")) scenarios.add(Scenario.at("nginx", opts.get("nginx")));
    if (opts.containsKey("pekko")) scenarios.add(Scenario.at(PEKKO, opts.get("pekko")));
    Scenario switchboard = Scenario.at("switchboard", required(opts, "switchboard"));
    scenarios.add(switchboard);
    Path out = Path.of(required(opts, "out"));
    Files.createDirectories(out);
    long nodePid = Long.parseLong(required(opts, "node-pid"));
    Map<String, ProcessCpu> proxyCpu = new HashMap<>();
    proxyCpu.put("switchboard", new ProcessCpu(List.of(nodePid)));
    if (opts.containsKey("nginx-pids")) proxyCpu.put("nginx", new ProcessCpu(pids(opts.get("nginx-pids"))));
    if (opts.containsKey("pekko-pid")) proxyCpu.put(PEKKO, new ProcessCpu(pids(opts.get("pekko-pid"))));
    ProcessCpu upstreamCpu = new ProcessCpu(opts.containsKey("upstream-pid")
        ? List.of(Long.parseLong(opts.get("upstream-pid"))) : List.of());
    BenchRun run = new BenchRun(profile, scenarios, switchboard, new NodeProbe(nodePid), proxyCpu, upstreamCpu, out);
    if (opts.containsKey("streams-switchboard")) {
      run.streamsNode = Scenario.at("switchboard (streams node)", opts.get("streams-switchboard"));
      run.streamsProbe = new NodeProbe(Long.parseLong(required(opts, "streams-node-pid")));
    } else {
      run.streamsNode = switchboard;
      run.streamsProbe = run.node;
    }
    run.h2StreamsPerConnection = Integer.parseInt(opts.getOrDefault("h2-streams-per-connection", "256"));
    run.streamsUpstream = opts.get("streams-upstream");
    String machine = opts.containsKey("machine") ? Files.readString(Path.of(opts.get("machine"))) : "";
    run.runAll(machine);
    System.exit(0);
  }

  private void runAll(String machine) throws Exception {
    note("start");
    report.append("# Switchboard benchmark run (").append(profile.name()).append(")\n\n")
        .append("Started ").append(Instant.now()).append(". All scenarios ran in this one run, one after another, ")
        .append("against the same fake upstream")
        .append(streamsUpstream == null ? "" : ", except the held streams: their node calls " + streamsUpstream)
        .append("; ratios are within this run.\n\n");
    if (!machine.isBlank()) report.append("## Machine\n\n```\n").append(machine.strip()).append("\n```\n\n");

    OptionalLong idleRss = node.rssKib();
    OptionalLong idleHeap = node.heapUsedAfterGcKib();

    try (HttpLoad load = new HttpLoad()) {
      if (profile.heldStreamsOnly()) {
        heldStreams(load);
        note("end");
        finish();
        return;
      }
      warmUp(load);
      saturation(load);
      OptionalLong loadedRss = fixedRates(load);
      streaming(load);
      List<String[]> held = heldStreams(load);
      note("end");
      memory(idleRss, idleHeap, loadedRss, held);
    }
    finish();
  }

  /** The load averages seen at each phase, and the report written. */
  private void finish() throws IOException {
    report.append("## Load average\n\n");
    for (String line : loadAverages) report.append("- ").append(line).append('\n');
    report.append("\n`/proc/loadavg` at each phase: 1, 5 and 15 minute averages. The machine was shared; "
        + "absolute figures are noisy, ratios within the run less so.\n");
    Files.writeString(out.resolve("report.md"), report.toString());
    System.out.println("report written to " + out.resolve("report.md"));
  }

  /**
   * Lets every JVM in the path (fake upstream, node, generator) compile its hot code before anything
   * counts: plain requests in rounds until the path settles ({@link WarmUp}, {@link WarmUpRound}), then
   * the Java generator's own plain and streaming loops for a fixed time. The
   * report lists each scenario's warm-up rounds, which also show what a cold JVM on the path delivers.
   */
  private void warmUp(HttpLoad load) throws Exception {
    note("warm-up");
    boolean wrk = Wrk.installed();
    MarkdownTable table = new MarkdownTable("scenario", "closed-loop rounds (" + (wrk ? "wrk, " : "Java generator, ")
        + profile.warmupRound().toSeconds() + " s each, " + profile.saturationConnections() + " connections)");
    for (Scenario s : scenarios) {
      List<ProcessCpu> jvms = new ArrayList<>(List.of(upstreamCpu));
      if (proxyCpu.containsKey(s.name())) jvms.add(proxyCpu.get(s.name()));
      WarmUp.Result plain = profile.warmUp().run(new WarmUpRound(load, s.name(), List.of(s.chatCompletions()),
          profile.saturationConnections(), profile.warmupRound(), wrk, out, jvms),
          line -> System.out.println(s.name() + " " + line));
      table.row(s.name(), plain.describe());
      load.closedLoop(s.name(), s.chatCompletions(), PLAIN, 16, Duration.ZERO, profile.warmup());
      load.closedLoop(s.name(), s.chatCompletions(), STREAM, 16, Duration.ZERO, profile.warmup().multipliedBy(2));
    }
    report.append("## Warm-up\n\nBefore anything is measured, each scenario gets plain requests in rounds until ")
        .append("its throughput stops climbing (").append(profile.warmUpRule()).append("), then ")
        .append(profile.warmup().toSeconds()).append(" s of plain requests and ")
        .append(profile.warmup().multipliedBy(2).toSeconds()).append(" s of streams from the Java generator. The ")
        .append("first rounds show what a cold JVM on the path delivers while its code is still being compiled.\n\n")
        .append(table).append('\n');
  }

  // ---- saturation -------------------------------------------------------------------------------

  private final Map<String, Double> saturationRps = new LinkedHashMap<>();

  private void saturation(HttpLoad load) throws Exception {
    note("saturation");
    boolean wrk = Wrk.installed();
    MarkdownTable table = new MarkdownTable("scenario", "wrk req/s", "wrk p50", "wrk p99", "wrk errors",
        "java closed-loop req/s", "java p50 ms", "java p99 ms", "java errors", "vs direct", "vs nginx",
        "proxy CPU µs/req", "upstream CPU µs/req");
    Map<String, Double> javaRps = new LinkedHashMap<>();
    Map<String, WrkReport> wrkReports = new HashMap<>();
    for (Scenario s : scenarios) {
      String proxyUs = "–";
      String upstreamUs = "–";
      if (wrk) {
        Wrk.run(s.chatCompletions(), PLAIN, 2, profile.saturationConnections(), Duration.ofSeconds(3), out);
        CpuSpent cpu = new CpuSpent(s);
        Optional<String> text = Wrk.run(s.chatCompletions(), PLAIN, 2, profile.saturationConnections(),
            profile.saturation(), out);
        text.ifPresent(t -> {
          wrkReports.put(s.name(), WrkReport.parse(t));
          writeQuietly(out.resolve("wrk-" + s.name() + ".txt"), t);
        });
        double requests = wrkReports.containsKey(s.name())
            ? wrkReports.get(s.name()).requestsPerSecond() * profile.saturation().toSeconds() : 0;
        proxyUs = cpu.proxyPerRequest(requests);
        upstreamUs = cpu.upstreamPerRequest(requests);
      }
      CpuSpent javaCpu = new CpuSpent(s);
      LatencySummary closed = load.closedLoop(s.name(), s.chatCompletions(), PLAIN, profile.saturationConnections(),
          Duration.ofSeconds(3), profile.saturation());
      javaRps.put(s.name(), closed.throughput());
      if (!wrk) {
        proxyUs = javaCpu.proxyPerRequest(closed.ok() + closed.errorCount());
        upstreamUs = javaCpu.upstreamPerRequest(closed.ok() + closed.errorCount());
      }
      WrkReport w = wrkReports.get(s.name());
      double rps = w != null ? w.requestsPerSecond() : closed.throughput();
      saturationRps.put(s.name(), rps);
      table.row(s.name(), w == null ? "–" : MarkdownTable.num(w.requestsPerSecond(), 0), w == null ? "–" : w.p50(),
          w == null ? "–" : w.p99(), w == null ? "–" : w.errors(), MarkdownTable.num(closed.throughput(), 0),
          MarkdownTable.ms(closed.p50Micros()), MarkdownTable.ms(closed.p99Micros()), closed.errorCount(),
          MarkdownTable.ratio(rps, saturationRps.getOrDefault("direct", 0.0)),
          MarkdownTable.ratio(rps, saturationRps.getOrDefault("nginx", 0.0)), proxyUs, upstreamUs);
    }
    table.row("3-node cluster", "measured by `run.sh cluster` (docs/benchmarks.md, 3-node cluster)", "–", "–", "–", "–", "–",
        "–", "–", "–", "–", "–", "–");
    report.append("## Throughput at saturation\n\nClosed loop, ").append(profile.saturationConnections())
        .append(" connections, ").append(profile.saturation().toSeconds()).append(" s each")
        .append(wrk ? ", first wrk (2 threads), then the Java generator" : " (Java generator; wrk not installed)")
        .append(". Ratios use wrk's figure when present. Non-streaming requests, 16-token answers. CPU per request ")
        .append("is user + system time of the proxy's processes (nginx: master and workers; Switchboard: the node JVM) ")
        .append("and of the fake upstream over the same run, divided by the requests served.\n\n")
        .append(table).append("\n![throughput](throughput.png)\n\n");
    List<String> names = new ArrayList<>(saturationRps.keySet());
    Map<String, List<Double>> series = new LinkedHashMap<>();
    if (wrk) series.put("wrk", names.stream().map(n -> wrkReports.containsKey(n) ? wrkReports.get(n).requestsPerSecond() : 0.0).toList());
    series.put("java closed-loop", names.stream().map(javaRps::get).toList());
    Charts.bars(out.resolve("throughput.png"), "Throughput at saturation", "requests/s", names, series);
  }

  // ---- fixed rates ------------------------------------------------------------------------------

  private OptionalLong fixedRates(HttpLoad load) throws Exception {
    note("fixed rates");
    MarkdownTable table = new MarkdownTable("rate req/s", "scenario", "ok", "errors", "p50 ms", "p99 ms",
        "p99.9 ms", "max ms", "added p50 ms", "added p99 ms", "added p99.9 ms", "generator send lag p99 ms",
        "proxy CPU µs/req");
    Map<String, List<Double>> addedP99 = new LinkedHashMap<>();
    List<String> rateNames = new ArrayList<>();
    long loadedRss = 0;
    List<String> generatorBound = new ArrayList<>();
    for (int rate : profile.rates()) {
      LatencySummary direct = null;
      for (Scenario s : scenarios) {
        PeakRss peak = s == switchboard ? PeakRss.start(node) : null;
        load.openLoopWithLag(s.name(), s.chatCompletions(), PLAIN, rate, Duration.ZERO, profile.warmup());
        CpuSpent cpu = new CpuSpent(s);
        HttpLoad.OpenLoopResult r = load.openLoopWithLag(s.name(), s.chatCompletions(), PLAIN, rate,
            Duration.ZERO, profile.measure());
        if (peak != null) loadedRss = Math.max(loadedRss, peak.stop());
        LatencySummary l = r.latency();
        if (direct == null) {
          direct = l;
          // The generator could not send this rate even to the upstream itself: the row is recorded,
          // but charting it would dwarf the rates that say something about the proxies.
          if (l.errors().getOrDefault(HttpLoad.OVERLOAD, 0L) > 0) generatorBound.add(rate + " req/s");
          else rateNames.add(rate + " req/s");
        }
        long[] added = l.addedOver(direct);
        table.row(rate, s.name(), l.ok(), errors(l), MarkdownTable.ms(l.p50Micros()), MarkdownTable.ms(l.p99Micros()),
            MarkdownTable.ms(l.p999Micros()), MarkdownTable.ms(l.maxMicros()),
            s.name().equals("direct") ? "–" : MarkdownTable.ms(added[0]),
            s.name().equals("direct") ? "–" : MarkdownTable.ms(added[1]),
            s.name().equals("direct") ? "–" : MarkdownTable.ms(added[2]),
            MarkdownTable.ms(r.sendLag().p99Micros()),
            cpu.proxyPerRequest(l.ok() + l.errorCount() - l.errors().getOrDefault(HttpLoad.OVERLOAD, 0L)));
        if (!s.name().equals("direct") && rateNames.contains(rate + " req/s")) {
          addedP99.computeIfAbsent(s.name() + " added p99", k -> new ArrayList<>()).add(added[1] / 1000.0);
          addedP99.computeIfAbsent(s.name() + " added p50", k -> new ArrayList<>()).add(added[0] / 1000.0);
        }
      }
    }
    report.append("## Added latency at fixed rates\n\nOpen loop (constant arrival rate, latency from the intended ")
        .append("send time), ").append(profile.warmup().toSeconds()).append(" s warm-up then ")
        .append(profile.measure().toSeconds()).append(" s measured per cell. \"Added\" is a scenario's percentile minus ")
        .append("direct's percentile at the same rate (a difference of percentiles, not a percentile of differences). ")
        .append("Send lag is how late the generator itself sent: when it is large, the generator, not the server, ")
        .append("was behind.\n\n").append(table).append("\n![added latency](added-latency.png)\n\n");
    if (!generatorBound.isEmpty()) {
      report.append("The chart leaves out ").append(String.join(", ", generatorBound)).append(": the generator ")
          .append("could not send that rate even to the upstream directly (`not sent` errors in direct's row).\n\n");
    }
    if (!rateNames.isEmpty()) {
      Charts.bars(out.resolve("added-latency.png"), "Latency added over direct", "ms", rateNames, addedP99);
    }
    return loadedRss == 0 ? OptionalLong.empty() : OptionalLong.of(loadedRss);
  }

  // ---- streaming --------------------------------------------------------------------------------

  private void streaming(HttpLoad load) throws Exception {
    note("streaming");
    MarkdownTable table = new MarkdownTable("scenario", "ok", "errors", "TTFT p50 ms", "TTFT p99 ms",
        "TTFT p99.9 ms", "added TTFT p50 ms", "added TTFT p99 ms", "total p50 ms", "total p99 ms");
    LatencySummary direct = null;
    Map<String, List<Double>> series = new LinkedHashMap<>();
    series.put("TTFT p50", new ArrayList<>());
    series.put("TTFT p99", new ArrayList<>());
    List<String> names = new ArrayList<>();
    for (Scenario s : scenarios) {
      HttpLoad.StreamResult r = load.openLoop(s.name(), s.chatCompletions(), STREAM, profile.streamRate(),
          profile.warmup(), profile.measure());
      LatencySummary ttft = r.firstToken();
      if (direct == null) direct = ttft;
      long[] added = ttft.addedOver(direct);
      boolean base = s.name().equals("direct");
      table.row(s.name(), ttft.ok(), errors(ttft), MarkdownTable.ms(ttft.p50Micros()), MarkdownTable.ms(ttft.p99Micros()),
          MarkdownTable.ms(ttft.p999Micros()), base ? "–" : MarkdownTable.ms(added[0]),
          base ? "–" : MarkdownTable.ms(added[1]), MarkdownTable.ms(r.total().p50Micros()),
          MarkdownTable.ms(r.total().p99Micros()));
      names.add(s.name());
      series.get("TTFT p50").add(ttft.p50Micros() / 1000.0);
      series.get("TTFT p99").add(ttft.p99Micros() / 1000.0);
    }
    report.append("## Streaming: time to first token\n\nOpen loop at ").append(MarkdownTable.num(profile.streamRate(), 0))
        .append(" streams/s; each stream is 16 chunks 10 ms apart then `data: [DONE]` (the fake upstream sends the ")
        .append("first chunk at once, so TTFT here is the path's own cost). TTFT is time from the intended send to ")
        .append("the first body bytes.\n\n").append(table).append("\n![ttft](ttft.png)\n\n");
    Charts.bars(out.resolve("ttft.png"), "Streaming time to first token", "ms", names, series);
  }

  // ---- held streams -----------------------------------------------------------------------------

  private List<String[]> heldStreams(HttpLoad load) throws Exception {
    note("held streams");
    List<String[]> rows = new ArrayList<>();
    OptionalLong idleHeap = streamsProbe.heapUsedAfterGcKib();
    rows.add(new String[] {"0", "–", "0", "0", "0", ProcessMemory.mib(idleHeap),
        ProcessMemory.mib(streamsProbe.rssKib())});
    MarkdownTable table = new MarkdownTable("streams asked", "client protocol", "established", "completed", "errors",
        "node heap after GC MiB (held)", "node RSS MiB (held)", "heap per stream above idle KiB");
    OptionalLong idleFiles = streamsProbe.openFiles();
    for (int n : profile.heldStreams()) rows.add(holdStreams(table, idleFiles, idleHeap, n, HTTP_1_1, (body, probe) ->
        load.holdStreams(streamsNode.chatCompletions(), body, n, HELD_OPEN_RATE, establishTimeout(n), probe)));
    for (int n : profile.h2HeldStreams()) rows.add(holdStreams(table, idleFiles, idleHeap, n, H2C, (body, probe) ->
        H2Streams.hold(streamsNode.chatCompletions(), body, n, h2StreamsPerConnection, HELD_OPEN_RATE,
            establishTimeout(n), probe)));
    report.append("## Concurrent streams on one node\n\nStreams opened at 1,000/s through Switchboard; each sends ")
        .append("one chunk a second for about 60 s after the ramp. Memory is sampled once all streams have ")
        .append("delivered their first chunk, after a full GC (`jcmd PID GC.run`, then `GC.heap_info`).")
        .append(streamsNode == switchboard ? "" : " These streams go through a second node, configured for "
            + "20,000 upstream connections (see the report's switchboard-streams.conf); the other figures use the "
            + "first.")
        .append("\n\nThe client protocol column says how the clients reached the node. Over HTTP/1.1 every held ")
        .append("stream holds two sockets on the node (the client's and the upstream's), so the process's open-file ")
        .append("limit caps the HTTP/1.1 sizes; over h2c (HTTP/2 cleartext with prior knowledge, `http.http2 = on`) ")
        .append("up to ").append(h2StreamsPerConnection).append(" streams share one client connection, so the node ")
        .append("holds one upstream socket per stream plus a few dozen, and 10,000 fit. The two protocols keep ")
        .append("different state per stream on the node (an HTTP/2 stream inside a shared connection, against a ")
        .append("connection of its own), so compare per-stream heap only within one protocol.\n\n")
        .append(table).append('\n');
    return rows;
  }

  /** One size of held streams in one client protocol: its table row, after which its sockets are awaited closed. */
  private String[] holdStreams(MarkdownTable table, OptionalLong idleFiles, OptionalLong idleHeap, int n,
      String protocol, Holder holder) throws Exception {
    int chunks = (int) (rampSeconds(n) + 60);
    String body = "{\"model\":\"bench-model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
        + "\"Say hello\"}],\"bench_chunks\":" + chunks + ",\"bench_interval_ms\":1000}";
    OptionalLong[] heap = new OptionalLong[1];
    OptionalLong[] rss = new OptionalLong[1];
    HttpLoad.HeldStreams held = holder.hold(body, () -> {
      heap[0] = streamsProbe.heapUsedAfterGcKib();
      rss[0] = streamsProbe.rssKib();
    });
    String[] row = {Integer.toString(n), protocol, Integer.toString(held.established()), Long.toString(held.completed()),
        held.errors().isEmpty() ? "0" : held.errors().toString(), ProcessMemory.mib(heap[0]), ProcessMemory.mib(rss[0])};
    String perStream = heap[0] != null && heap[0].isPresent() && idleHeap.isPresent() && held.established() > 0
        ? String.format("%.1f", (heap[0].getAsLong() - idleHeap.getAsLong()) / (double) held.established()) : "–";
    table.row((Object[]) append(row, perStream));
    awaitSocketsClosed(idleFiles);
    return row;
  }

  private static String[] append(String[] row, String cell) {
    String[] longer = java.util.Arrays.copyOf(row, row.length + 1);
    longer[row.length] = cell;
    return longer;
  }

  /** Holds streams of the given body, running the probe while they are held. */
  @FunctionalInterface
  private interface Holder {
    HttpLoad.HeldStreams hold(String body, Runnable whileHeld) throws Exception;
  }

  /** How long opening {@code streams} takes at {@link #HELD_OPEN_RATE}, in whole seconds. */
  private static long rampSeconds(int streams) {
    return (long) Math.ceil(streams / HELD_OPEN_RATE);
  }

  private static Duration establishTimeout(int streams) {
    return Duration.ofSeconds(rampSeconds(streams) + 40);
  }

  /**
   * Waits until the streams node holds no more open files than before the first size, give or take
   * {@link #SOCKET_SLACK}, so that one size's closing connections are not counted in the next one's memory.
   */
  private void awaitSocketsClosed(OptionalLong idleFiles) throws InterruptedException {
    if (idleFiles.isEmpty()) return;
    long limit = idleFiles.getAsLong() + SOCKET_SLACK;
    boolean closed = Await.until(() -> streamsProbe.openFiles().orElse(0) <= limit, Duration.ofSeconds(60),
        Duration.ofMillis(200));
    if (!closed) System.out.println("streams node still holds " + streamsProbe.openFiles().orElse(-1)
        + " open files after 60 s (idle: " + idleFiles.getAsLong() + "); going on");
  }

  // ---- memory -----------------------------------------------------------------------------------

  private void memory(OptionalLong idleRss, OptionalLong idleHeap, OptionalLong loadedRss, List<String[]> held)
      throws IOException {
    OptionalLong endRss = node.rssKib();
    OptionalLong endHeap = node.heapUsedAfterGcKib();
    MarkdownTable table = new MarkdownTable("moment", "node RSS MiB", "node heap after GC MiB");
    table.row("idle, before any load", ProcessMemory.mib(idleRss), ProcessMemory.mib(idleHeap));
    table.row("peak during the fixed-rate runs", ProcessMemory.mib(loadedRss), "–");
    String which = streamsNode == switchboard ? "" : " (streams node)";
    for (String[] row : held) {
      String moment = row[0].equals("0") ? "idle" + which : "holding " + row[0] + " streams over " + row[1] + which;
      table.row(moment, row[6], row[5]);
    }
    table.row("idle again, after the run", ProcessMemory.mib(endRss), ProcessMemory.mib(endHeap));
    report.append("## Node memory\n\n").append(table).append("\n![memory](memory.png)\n\n");
    List<String> names = new ArrayList<>(List.of("idle", "loaded"));
    List<Double> rssSeries = new ArrayList<>(List.of(mibOrZero(idleRss), mibOrZero(loadedRss)));
    List<Double> heapSeries = new ArrayList<>(List.of(mibOrZero(idleHeap), 0.0));
    for (String[] row : held) {
      names.add(row[0].equals("0") ? "0 streams" : row[0] + " " + row[1]);
      rssSeries.add(parseOrZero(row[6]));
      heapSeries.add(parseOrZero(row[5]));
    }
    names.add("after");
    rssSeries.add(mibOrZero(endRss));
    heapSeries.add(mibOrZero(endHeap));
    Map<String, List<Double>> series = new LinkedHashMap<>();
    series.put("RSS MiB", rssSeries);
    series.put("heap after GC MiB", heapSeries);
    Charts.bars(out.resolve("memory.png"), "Switchboard node memory", "MiB", names, series);
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private void note(String phase) {
    String line = phaseLine(phase);
    loadAverages.add(line);
    System.out.println(line);
  }

  /** When a phase started and the machine's load then: {@code TIME PHASE: load average 1m 5m 15m ...}. */
  static String phaseLine(String phase) {
    String load;
    try {
      load = Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (IOException e) {
      load = "unknown";
    }
    return Instant.now() + " " + phase + ": load average " + load;
  }

  /** {@code 0}, or the count and what they were, e.g. {@code 3 {HTTP 503=2, HttpTimeoutException=1}}. */
  static String errors(LatencySummary l) {
    return l.errors().isEmpty() ? "0" : l.errorCount() + " " + l.errors();
  }

  private static double mibOrZero(OptionalLong kib) {
    return kib.isPresent() ? kib.getAsLong() / 1024.0 : 0;
  }

  private static double parseOrZero(String mib) {
    try {
      return Double.parseDouble(mib);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static void writeQuietly(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      System.err.println("could not write " + file + ": " + e.getMessage());
    }
  }

  static Map<String, String> options(String[] args) {
    Map<String, String> opts = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
      }
      opts.put(args[i].substring(2), args[++i]);
    }
    return opts;
  }

  static List<Long> pids(String commaSeparated) {
    List<Long> pids = new ArrayList<>();
    for (String pid : commaSeparated.split(",")) {
      if (!pid.isBlank()) pids.add(Long.parseLong(pid.strip()));
    }
    return pids;
  }

  /** CPU spent by a scenario's proxy (none for direct) and by the upstream, per request, over one run. */
  private final class CpuSpent {
    private final ProcessCpu proxy;
    private final long proxyStart;
    private final long upstreamStart;

    CpuSpent(Scenario scenario) {
      proxy = proxyCpu.get(scenario.name());
      proxyStart = proxy == null ? 0 : proxy.micros();
      upstreamStart = upstreamCpu.micros();
    }

    String proxyPerRequest(double requests) {
      return proxy == null || requests <= 0 ? "–" : MarkdownTable.num((proxy.micros() - proxyStart) / requests, 0);
    }

    String upstreamPerRequest(double requests) {
      return requests <= 0 ? "–" : MarkdownTable.num((upstreamCpu.micros() - upstreamStart) / requests, 0);
    }
  }

  static String required(Map<String, String> opts, String name) {
    String value = opts.get(name);
    if (value == null) throw new IllegalArgumentException("--" + name + " is required");
    return value;
  }

  /** The highest RSS of the node seen while a run was going, sampled every 250 ms. */
  static final class PeakRss {
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    private final AtomicLong peak = new AtomicLong();

    static PeakRss start(NodeProbe node) {
      PeakRss p = new PeakRss();
      p.sampler.scheduleAtFixedRate(() -> node.rssKib().ifPresent(kib -> p.peak.accumulateAndGet(kib, Math::max)),
          0, 250, TimeUnit.MILLISECONDS);
      return p;
    }

    long stop() throws InterruptedException {
      sampler.shutdown();
      sampler.awaitTermination(5, TimeUnit.SECONDS);
      return peak.get();
    }
  }
}
