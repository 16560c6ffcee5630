package io.switchboard.bench;

import io.switchboard.bench.load.HttpLoad;
import io.switchboard.bench.load.LatencySummary;
import io.switchboard.bench.report.Charts;
import io.switchboard.bench.report.MarkdownTable;
import io.switchboard.bench.report.NodeProbe;
import io.switchboard.bench.report.ProcessMemory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A long run at a moderate rate that shows whether the node's memory stays flat: every sample window
 * it runs open-loop load (alternating plain and streaming requests by window), then forces a GC in the
 * node and records heap after GC and RSS.
 *
 * <pre>
 * java -cp router-bench.jar io.switchboard.bench.Soak --switchboard http://127.0.0.1:9102 --node-pid 1234 \
 *     --duration 30m --rate 200 --sample 60s --out DIR
 * </pre>
 */
public final class Soak {
  private Soak() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = BenchRun.options(args);
    Scenario target = Scenario.at("switchboard", opts.get("switchboard"));
    NodeProbe node = new NodeProbe(Long.parseLong(opts.get("node-pid")));
    Duration length = parse(opts.getOrDefault("duration", "30m"));
    Duration sample = parse(opts.getOrDefault("sample", "60s"));
    double rate = Double.parseDouble(opts.getOrDefault("rate", "200"));
    Path out = Path.of(opts.get("out"));
    Files.createDirectories(out);

    List<Double> minutes = new ArrayList<>();
    List<Double> heap = new ArrayList<>();
    List<Double> rss = new ArrayList<>();
    MarkdownTable table = new MarkdownTable("minute", "requests ok", "errors", "p99 ms", "heap after GC MiB", "RSS MiB");
    record(0, node, minutes, heap, rss, table, null);
    long windows = Math.max(1, length.toNanos() / sample.toNanos());
    try (HttpLoad load = new HttpLoad()) {
      for (long w = 1; w <= windows; w++) {
        String body = w % 2 == 0 ? BenchRun.STREAM : BenchRun.PLAIN;
        LatencySummary l = load.openLoop("soak", target.chatCompletions(), body, rate, Duration.ZERO, sample).total();
        record(w * sample.toSeconds() / 60.0, node, minutes, heap, rss, table, l);
        System.out.println("soak window " + w + "/" + windows + ": " + l.ok() + " ok, errors: " + BenchRun.errors(l));
      }
    }
    Map<String, List<Double>> series = new LinkedHashMap<>();
    series.put("heap after GC MiB", heap);
    series.put("RSS MiB", rss);
    Charts.lines(out.resolve("soak-heap.png"), "Switchboard node memory during soak (" + MarkdownTable.num(rate, 0)
        + " req/s)", "minutes", "MiB", minutes, series);
    Files.writeString(out.resolve("soak.md"), "# Soak: " + length.toMinutes() + " min at "
        + MarkdownTable.num(rate, 0) + " req/s\n\nAlternating windows of plain and streaming requests, "
        + sample.toSeconds() + " s each; after each window a full GC in the node (`jcmd PID GC.run`) and "
        + "`GC.heap_info`.\n\n" + table + "\n![soak](soak-heap.png)\n");
    System.out.println("soak report written to " + out.resolve("soak.md"));
    System.exit(0);
  }

  private static void record(double minute, NodeProbe node, List<Double> minutes, List<Double> heap, List<Double> rss,
      MarkdownTable table, LatencySummary window) {
    OptionalLong h = node.heapUsedAfterGcKib();
    OptionalLong r = node.rssKib();
    minutes.add(minute);
    heap.add(h.isPresent() ? h.getAsLong() / 1024.0 : 0);
    rss.add(r.isPresent() ? r.getAsLong() / 1024.0 : 0);
    table.row(MarkdownTable.num(minute, 1), window == null ? "–" : window.ok(),
        window == null ? "–" : BenchRun.errors(window), window == null ? "–" : MarkdownTable.ms(window.p99Micros()),
        ProcessMemory.mib(h), ProcessMemory.mib(r));
  }

  /** {@code 30m}, {@code 90s}, {@code 1h}. */
  static Duration parse(String text) {
    long n = Long.parseLong(text.substring(0, text.length() - 1));
    return switch (text.charAt(text.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> throw new IllegalArgumentException("duration must end in s, m or h: " + text);
    };
  }
}
