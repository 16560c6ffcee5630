package io.switchboard.bench;

import io.switchboard.bench.load.HttpLoad;
import io.switchboard.bench.load.LatencySummary;
import java.time.Duration;
import java.util.Map;

/**
 * Open-loop plain requests against one path at one rate, repeated, printing one line of percentiles
 * per run: the tool for A/B experiments on a path's latency (a node with one setting against another,
 * or against the bare Pekko proxy), where a full {@link BenchRun} would take twenty minutes.
 *
 * <pre>
 * java -cp router-bench.jar io.switchboard.bench.FixedRate --url http://127.0.0.1:9102 --rate 1000 \
 *     --seconds 20 --repeat 3 [--label node-g1]
 * </pre>
 *
 * <p>Each run is preceded once by 5 s at the same rate, whose results are dropped. Latency counts from
 * each request's intended send time, as in {@link BenchRun}'s fixed rates.
 */
public final class FixedRate {
  private FixedRate() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = BenchRun.options(args);
    Scenario target = Scenario.at(opts.getOrDefault("label", "target"), opts.get("url"));
    double rate = Double.parseDouble(opts.getOrDefault("rate", "1000"));
    Duration length = Duration.ofSeconds(Long.parseLong(opts.getOrDefault("seconds", "20")));
    int repeat = Integer.parseInt(opts.getOrDefault("repeat", "3"));
    try (HttpLoad load = new HttpLoad()) {
      load.openLoopWithLag(target.name(), target.chatCompletions(), BenchRun.PLAIN, rate, Duration.ZERO,
          Duration.ofSeconds(5));
      for (int i = 1; i <= repeat; i++) {
        HttpLoad.OpenLoopResult r = load.openLoopWithLag(target.name(), target.chatCompletions(), BenchRun.PLAIN,
            rate, Duration.ZERO, length);
        LatencySummary l = r.latency();
        System.out.printf("%s run %d at %.0f req/s: ok %d, errors %s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms,"
                + " max %.2f ms, send lag p99 %.2f ms%n", target.name(), i, rate, l.ok(), l.errors(),
            l.p50Micros() / 1000.0, l.p99Micros() / 1000.0, l.p999Micros() / 1000.0, l.maxMicros() / 1000.0,
            r.sendLag().p99Micros() / 1000.0);
      }
    }
    System.exit(0);
  }
}
