package io.switchboard.bench;

import io.switchboard.bench.load.HttpLoad;
import io.switchboard.bench.load.LatencySummary;
import io.switchboard.bench.load.WarmUp;
import io.switchboard.bench.load.Wrk;
import io.switchboard.bench.load.WrkReport;
import io.switchboard.bench.report.MarkdownTable;
import io.switchboard.bench.report.ProcessCpu;
import io.switchboard.bench.report.Rounds;
import io.switchboard.bench.report.Spread;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Targets side by side in one run: two builds of the node ({@code run.sh ab}), or a {@link Lineup} of
 * bare proxies ({@code run.sh transport}: one per upstream client, issue 18). Two builds of the node: the same fake upstream, the same configuration, each
 * warmed until its JIT is quiet ({@link WarmUp}), then measured in interleaved rounds (old, new; new,
 * old; ...) with nginx and the bare Pekko HTTP proxy in the same rounds for scale. Interleaving spreads
 * a drift of the shared machine over both jars alike; each figure is then read as a median with the
 * range of its rounds ({@link Rounds}), and a difference counts only beyond that range ({@link Spread}).
 * run.sh builds the two jars and starts the servers ({@code run.sh ab OLD_REF [NEW_REF]}), then calls:
 *
 * <pre>
 * java -cp router-bench.jar io.switchboard.bench.AbRun --out DIR --direct http://127.0.0.1:9100 --upstream-pid 1 \
 *     --old http://127.0.0.1:9101 --old-pid 2 --old-label "old (045fcdd)" \
 *     --new http://127.0.0.1:9102 --new-pid 3 --new-label "new (0dc4775)" \
 *     [--nginx URL --nginx-pids 4,5,6] [--pekko URL --pekko-pid 7] [--rounds 4] [--saturation-seconds 15] \
 *     [--rate 1000] [--rate-seconds 20] [--machine FILE] [--warm-up off]
 * </pre>
 *
 * <p>The transport run names its targets instead of {@code --old}/{@code --new} (each later one is
 * compared with the first):
 *
 * <pre>
 * java -cp router-bench.jar io.switchboard.bench.AbRun --out DIR --direct http://127.0.0.1:9100 --upstream-pid 1 \
 *     --lineup "pool=http://127.0.0.1:9301=2;connection=http://127.0.0.1:9302=3;netty=http://127.0.0.1:9303=4" \
 *     [--nginx URL --nginx-pids 5,6,7] [--rounds 3] [--saturation-seconds 10] [--rate 1000] [--rate-seconds 15]
 * </pre>
 *
 * <p>{@code run.sh variants} passes its node variants as the lineup, with {@code --noun Node}.
 *
 * <p>Rounds rotate the compared targets ({@link Lineup#rotation}): old, new; new, old; ... for two.
 *
 * <p>Two phases, each in its rounds: <b>saturation</b>, wrk with 2 threads and 64 connections (the Java
 * closed loop when wrk is absent), throughput and CPU per request; and a <b>fixed rate</b>, open loop,
 * latency added over the upstream reached directly in the same round, and CPU per request.
 */
public final class AbRun {
  private static final int CONNECTIONS = 64;
  private static final Duration PRE_RUN = Duration.ofSeconds(3);
  private static final Rounds.Figure RPS = new Rounds.Figure("req/s", 0);
  private static final Rounds.Figure CPU = new Rounds.Figure("proxy CPU µs/req", 0);
  private static final Rounds.Figure UPSTREAM_CPU = new Rounds.Figure("upstream CPU µs/req", 0);
  private static final Rounds.Figure ADDED_P50 = new Rounds.Figure("added p50 ms", 2);
  private static final Rounds.Figure ADDED_P99 = new Rounds.Figure("added p99 ms", 2);

  /** A path and the processes that serve it between the generator and the fake upstream (none for direct). */
  private record Target(Scenario scenario, Optional<ProcessCpu> cpu) {
    String name() {
      return scenario.name();
    }
  }

  /** {@code later} set against {@code base} in the report's headline lines, each under its short name. */
  private record Comparison(Target later, String laterName, Target base, String baseName) {}

  private final Profile profile = Profile.named("full", 0, 0);
  private final Target direct;
  /** The targets compared, rotated round by round: old and new, or the lineup. */
  private final List<Target> compared;
  private final List<Comparison> comparisons = new ArrayList<>();
  /** What the compared targets are, for the report's headline lines: "Node" or "Proxy". */
  private final String noun;
  private final boolean lineup;
  private final List<Target> references;
  private final ProcessCpu upstreamCpu;
  private final Path out;
  private final int rounds;
  private final Duration saturation;
  private final double rate;
  private final Duration rateLength;
  /** Off only for a smoke run that checks the plumbing: cold figures say nothing. */
  private final boolean warm;
  private final boolean wrk = Wrk.installed();
  private final StringBuilder report = new StringBuilder();
  private final List<String> loadAverages = new ArrayList<>();

  private AbRun(Map<String, String> opts) throws IOException {
    direct = new Target(Scenario.at("direct", BenchRun.required(opts, "direct")), Optional.empty());
    lineup = opts.containsKey("lineup");
    if (lineup) {
      compared = new ArrayList<>();
      for (Lineup.Entry e : Lineup.parse(opts.get("lineup")).entries()) {
        compared.add(new Target(Scenario.at(e.label(), e.url()), Optional.of(new ProcessCpu(e.pids()))));
      }
      for (Target later : compared.subList(1, compared.size())) {
        comparisons.add(new Comparison(later, later.name(), compared.get(0), compared.get(0).name()));
      }
      noun = opts.getOrDefault("noun", "Proxy");
    } else {
      Target old = node(opts, "old");
      Target neu = node(opts, "new");
      compared = List.of(old, neu);
      comparisons.add(new Comparison(neu, "new", old, "old"));
      noun = "Node";
    }
    references = new ArrayList<>();
    if (opts.containsKey("nginx")) {
      references.add(new Target(Scenario.at("nginx", opts.get("nginx")),
          Optional.of(new ProcessCpu(BenchRun.pids(BenchRun.required(opts, "nginx-pids"))))));
    }
    if (opts.containsKey("pekko")) {
      references.add(new Target(Scenario.at(BenchRun.PEKKO, opts.get("pekko")),
          Optional.of(new ProcessCpu(BenchRun.pids(BenchRun.required(opts, "pekko-pid"))))));
    }
    upstreamCpu = new ProcessCpu(BenchRun.pids(BenchRun.required(opts, "upstream-pid")));
    out = Path.of(BenchRun.required(opts, "out"));
    Files.createDirectories(out);
    rounds = Integer.parseInt(opts.getOrDefault("rounds", "4"));
    saturation = Duration.ofSeconds(Long.parseLong(opts.getOrDefault("saturation-seconds", "15")));
    rate = Double.parseDouble(opts.getOrDefault("rate", "1000"));
    rateLength = Duration.ofSeconds(Long.parseLong(opts.getOrDefault("rate-seconds", "20")));
    warm = !"off".equals(opts.getOrDefault("warm-up", "on"));
  }

  private static Target node(Map<String, String> opts, String which) {
    return new Target(Scenario.at(opts.getOrDefault(which + "-label", which), BenchRun.required(opts, which)),
        Optional.of(new ProcessCpu(BenchRun.pids(BenchRun.required(opts, which + "-pid")))));
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = BenchRun.options(args);
    String machine = opts.containsKey("machine") ? Files.readString(Path.of(opts.get("machine"))) : "";
    new AbRun(opts).runAll(machine);
    System.exit(0);
  }

  private void runAll(String machine) throws Exception {
    note("start");
    if (lineup && noun.equals("Node")) {
      report.append("# Node variants: ").append(String.join(", ", compared.stream().map(Target::name).toList()))
          .append("\n\nStarted ").append(Instant.now()).append(". One node per variant (a build and its JVM flags, ")
          .append("listed under Machine; the same configuration otherwise) ran side by side against the same fake ")
          .append("upstream, measured in interleaved rounds, the order rotated by one each round, each later variant ")
          .append("compared with the first");
      if (!references.isEmpty()) report.append(", nginx and the bare Pekko HTTP proxy in the same rounds for scale");
      report.append(". ");
    } else if (lineup) {
      report.append("# Transport run: ").append(String.join(", ", compared.stream().map(Target::name).toList()))
          .append("\n\nStarted ").append(Instant.now()).append(". One bare proxy per upstream client (Pekko HTTP's ")
          .append("server in front of each, the same server settings) ran side by side against the same fake upstream, ")
          .append("measured in interleaved rounds, the order rotated by one each round");
      if (!references.isEmpty()) report.append(", nginx in the same rounds for scale");
      report.append(". ");
    } else {
      Target old = compared.get(0);
      Target neu = compared.get(1);
      report.append("# A/B run: ").append(old.name()).append(" against ").append(neu.name()).append("\n\n")
          .append("Started ").append(Instant.now()).append(". Both nodes ran side by side with the same ")
          .append("configuration against the same fake upstream, measured in interleaved rounds (old, new; new, ")
          .append("old; old, new; ...), nginx and the bare Pekko HTTP proxy in the same rounds for scale. ");
    }
    report.append("A figure is the median ")
        .append("of its rounds with their range in brackets; two targets differ only where their ranges do not ")
        .append("overlap.\n\n");
    if (!machine.isBlank()) report.append("## Machine\n\n```\n").append(machine.strip()).append("\n```\n\n");
    try (HttpLoad load = new HttpLoad()) {
      warmUp(load);
      write();
      saturation(load);
      write();
      fixedRate(load);
    }
    note("end");
    report.append("## Load average\n\n");
    for (String line : loadAverages) report.append("- ").append(line).append('\n');
    report.append("\n`/proc/loadavg` at each phase: 1, 5 and 15 minute averages.\n");
    write();
    System.out.println("report written to " + out.resolve("report.md"));
  }

  /** Every path, one after another, until its JIT is quiet (the rule {@link BenchRun} warms with). */
  private void warmUp(HttpLoad load) throws Exception {
    note("warm-up");
    if (!warm) {
      report.append("## Warm-up\n\n**Skipped (`--warm-up off`): a smoke run, its figures are those of cold JVMs.**\n\n");
      return;
    }
    MarkdownTable table = new MarkdownTable("target", "closed-loop rounds (" + (wrk ? "wrk, " : "Java generator, ")
        + profile.warmupRound().toSeconds() + " s each, " + CONNECTIONS + " connections)");
    for (Target t : all()) {
      List<ProcessCpu> jvms = new ArrayList<>(List.of(upstreamCpu));
      t.cpu().ifPresent(jvms::add);
      WarmUp.Result result = profile.warmUp().run(new WarmUpRound(load, t.name(), List.of(t.scenario().chatCompletions()),
          CONNECTIONS, profile.warmupRound(), wrk, out, jvms), line -> System.out.println(t.name() + " " + line));
      table.row(t.name(), result.describe());
      // The generator's own open loop, warmed at the measured rate.
      load.openLoopWithLag(t.name(), t.scenario().chatCompletions(), BenchRun.PLAIN, rate, Duration.ZERO,
          profile.warmup());
    }
    report.append("## Warm-up\n\nEach path in turn, plain requests in rounds until warm (").append(profile.warmUpRule())
        .append("), then ").append(profile.warmup().toSeconds()).append(" s of the Java generator's open loop at ")
        .append(MarkdownTable.num(rate, 0)).append(" req/s.\n\n").append(table).append('\n');
  }

  private void saturation(HttpLoad load) throws Exception {
    note("saturation");
    Rounds figures = new Rounds(RPS, CPU, UPSTREAM_CPU);
    MarkdownTable table = new MarkdownTable("round", "target", "req/s", "p50", "p99", "errors", "proxy CPU µs/req",
        "upstream CPU µs/req");
    for (int round = 1; round <= rounds; round++) {
      List<Target> targets = new ArrayList<>(Lineup.rotation(compared, round));
      targets.addAll(references);
      for (Target t : targets) {
        Saturated s = saturate(load, t, round);
        System.out.println("saturation round " + round + " " + t.name() + ": " + s.rps() + " req/s, "
            + s.cpuPerRequest() + " µs/req");
        figures.add(t.name(), s.rps(), s.cpuPerRequest(), s.upstreamPerRequest());
        table.row(round, t.name(), MarkdownTable.num(s.rps(), 0), s.p50(), s.p99(), s.errors(),
            num(s.cpuPerRequest()), num(s.upstreamPerRequest()));
      }
    }
    report.append("## Throughput and CPU at saturation\n\n")
        .append(wrk ? "wrk, 2 threads" : "The Java generator's closed loop").append(", ").append(CONNECTIONS)
        .append(" connections, ").append(saturation.toSeconds()).append(" s per target and round after a ")
        .append(PRE_RUN.toSeconds()).append(" s run that is not counted. Proxy CPU is user + system time of the ")
        .append("target's processes over the measured run divided by the requests it completed.\n\n")
        .append(figures.medians()).append('\n');
    for (Comparison c : comparisons) {
      report.append("- **").append(noun).append(" CPU per request, ").append(c.laterName()).append(" against ")
          .append(c.baseName()).append(": ").append(compare(figures, c, CPU, 0, " µs"))
          .append("**\n- Throughput, ").append(c.laterName()).append(" against ").append(c.baseName()).append(": ")
          .append(compare(figures, c, RPS, 0, " req/s")).append('\n');
    }
    report.append("\nEvery round:\n\n").append(table).append('\n');
  }

  private record Saturated(double rps, String p50, String p99, long errors, double cpuPerRequest,
      double upstreamPerRequest) {}

  private Saturated saturate(HttpLoad load, Target t, int round) throws Exception {
    String label = t.name();
    if (wrk) {
      Wrk.run(t.scenario().chatCompletions(), BenchRun.PLAIN, 2, CONNECTIONS, PRE_RUN, out);
      Cpu cpu = new Cpu(t);
      Optional<String> text = Wrk.run(t.scenario().chatCompletions(), BenchRun.PLAIN, 2, CONNECTIONS, saturation, out);
      if (text.isEmpty()) return new Saturated(Double.NaN, "–", "–", 0, Double.NaN, Double.NaN);
      Files.writeString(out.resolve("wrk-" + fileName(label) + "-round" + round + ".txt"), text.get());
      WrkReport r = WrkReport.parse(text.get());
      double requests = r.requests() > 0 ? r.requests() : r.requestsPerSecond() * saturation.toSeconds();
      return new Saturated(r.requestsPerSecond(), r.p50(), r.p99(), r.errors(), cpu.proxyPer(requests),
          cpu.upstreamPer(requests));
    }
    load.closedLoop(label, t.scenario().chatCompletions(), BenchRun.PLAIN, CONNECTIONS, Duration.ZERO, PRE_RUN);
    Cpu cpu = new Cpu(t);
    LatencySummary l = load.closedLoop(label, t.scenario().chatCompletions(), BenchRun.PLAIN, CONNECTIONS,
        Duration.ZERO, saturation);
    double requests = l.ok() + l.errorCount();
    return new Saturated(l.throughput(), MarkdownTable.ms(l.p50Micros()) + "ms", MarkdownTable.ms(l.p99Micros()) + "ms",
        l.errorCount(), cpu.proxyPer(requests), cpu.upstreamPer(requests));
  }

  private void fixedRate(HttpLoad load) throws Exception {
    note("fixed rate");
    Rounds figures = new Rounds(CPU, ADDED_P50, ADDED_P99);
    MarkdownTable table = new MarkdownTable("round", "target", "ok", "errors", "p50 ms", "p99 ms", "added p50 ms",
        "added p99 ms", "send lag p99 ms", "proxy CPU µs/req");
    for (int round = 1; round <= rounds; round++) {
      List<Target> targets = new ArrayList<>(List.of(direct));
      targets.addAll(Lineup.rotation(compared, round));
      targets.addAll(references);
      LatencySummary base = null;
      for (Target t : targets) {
        load.openLoopWithLag(t.name(), t.scenario().chatCompletions(), BenchRun.PLAIN, rate, Duration.ZERO, PRE_RUN);
        Cpu cpu = new Cpu(t);
        HttpLoad.OpenLoopResult r = load.openLoopWithLag(t.name(), t.scenario().chatCompletions(), BenchRun.PLAIN,
            rate, Duration.ZERO, rateLength);
        LatencySummary l = r.latency();
        if (base == null) base = l;
        long[] added = l.addedOver(base);
        double served = l.ok() + l.errorCount() - l.errors().getOrDefault(HttpLoad.OVERLOAD, 0L);
        double cpuPerRequest = cpu.proxyPer(served);
        boolean isDirect = t == direct;
        System.out.println("fixed rate round " + round + " " + t.name() + ": p50 " + MarkdownTable.ms(l.p50Micros())
            + " ms, p99 " + MarkdownTable.ms(l.p99Micros()) + " ms, " + num(cpuPerRequest) + " µs/req");
        // A target that answered nothing (a node that died) is not measured, not the fastest.
        if (!isDirect) {
          figures.add(t.name(), l.answeredAny() ? new double[] {cpuPerRequest, added[0] / 1000.0, added[1] / 1000.0}
              : new double[] {Double.NaN, Double.NaN, Double.NaN});
        }
        table.row(round, t.name(), l.ok(), BenchRun.errors(l), MarkdownTable.ms(l.p50Micros()),
            MarkdownTable.ms(l.p99Micros()), isDirect ? "–" : MarkdownTable.ms(added[0]),
            isDirect ? "–" : MarkdownTable.ms(added[1]), MarkdownTable.ms(r.sendLag().p99Micros()), num(cpuPerRequest));
      }
    }
    report.append("## At a fixed rate of ").append(MarkdownTable.num(rate, 0)).append(" req/s\n\n")
        .append("Open loop (latency from each request's intended send time), ").append(rateLength.toSeconds())
        .append(" s per target and round after ").append(PRE_RUN.toSeconds()).append(" s that are not counted. ")
        .append("\"Added\" is a target's percentile minus the same percentile of the upstream reached directly in ")
        .append("the same round.\n\n").append(figures.medians()).append('\n');
    for (Comparison c : comparisons) {
      report.append("- **").append(noun).append(" CPU per request, ").append(c.laterName()).append(" against ")
          .append(c.baseName()).append(": ").append(compare(figures, c, CPU, 0, " µs"))
          .append("**\n- Added p50, ").append(c.laterName()).append(" against ").append(c.baseName()).append(": ")
          .append(compare(figures, c, ADDED_P50, 2, " ms"))
          .append("\n- Added p99, ").append(c.laterName()).append(" against ").append(c.baseName()).append(": ")
          .append(compare(figures, c, ADDED_P99, 2, " ms")).append('\n');
    }
    report.append("\nEvery round:\n\n").append(table).append('\n');
  }

  /** CPU spent by a target's processes and by the upstream from its creation on. */
  private final class Cpu {
    private final Optional<ProcessCpu> proxy;
    private final long proxyStart;
    private final long upstreamStart;

    Cpu(Target t) {
      proxy = t.cpu();
      proxyStart = proxy.map(ProcessCpu::micros).orElse(0L);
      upstreamStart = upstreamCpu.micros();
    }

    double proxyPer(double requests) {
      return proxy.isEmpty() || requests <= 0 ? Double.NaN : (proxy.get().micros() - proxyStart) / requests;
    }

    double upstreamPer(double requests) {
      return requests <= 0 ? Double.NaN : (upstreamCpu.micros() - upstreamStart) / requests;
    }
  }

  private static String compare(Rounds figures, Comparison c, Rounds.Figure figure, int decimals, String unit) {
    return figures.spread(c.later().name(), figure.name())
        .comparedWith(figures.spread(c.base().name(), figure.name()), decimals, unit);
  }

  private List<Target> all() {
    List<Target> all = new ArrayList<>(List.of(direct));
    all.addAll(compared);
    all.addAll(references);
    return all;
  }

  private void note(String phase) {
    String line = BenchRun.phaseLine(phase);
    loadAverages.add(line);
    System.out.println(line);
  }

  private void write() throws IOException {
    Files.writeString(out.resolve("report.md"), report.toString());
  }

  private static String num(double value) {
    return Double.isNaN(value) ? "–" : MarkdownTable.num(value, 0);
  }

  private static String fileName(String label) {
    return label.replaceAll("[^A-Za-z0-9.-]+", "-").replaceAll("^-|-$", "");
  }
}
