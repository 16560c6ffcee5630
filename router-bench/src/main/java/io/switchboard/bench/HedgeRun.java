package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.bench.cluster.NodeJava;
import io.switchboard.bench.load.HttpLoad;
import io.switchboard.bench.load.LatencySummary;
import io.switchboard.bench.report.HedgeReport;
import io.switchboard.bench.upstream.FakeUpstream;
import io.switchboard.bench.upstream.ReplyShape;
import io.switchboard.bench.upstream.UpstreamLatency;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Hedging against a heavy tail (issue 20): two fake OpenAI upstreams that each answer after a base
 * latency and hold a seeded share of their calls for a long tail delay ({@link UpstreamLatency}), one
 * Switchboard node (the built jar, its own JVM) with a provider and a model on each, and two fan-outs of
 * strategy {@code first} over the two models: {@code hedge} starts the second model after a fixed delay,
 * {@code hedge-p90} after the first model's observed p90. The same open-loop rate goes to the plain first
 * model and to each fan-out in turn; the report puts latency beside cost ({@link HedgeReport}).
 *
 * <pre>
 * java -cp router-bench.jar io.switchboard.bench.HedgeRun --node-jar router-node/target/switchboard-node.jar \
 *     [--out DIR] [--rate 50] [--seconds 60] [--rounds 3] [--warmup-seconds 15] [--latency-ms 200] [--tail-share 0.05] \
 *     [--tail-delay-ms 2000] [--hedge-delay-ms 300] [--node-heap 512m]
 * </pre>
 *
 * <p>The load generator and the fake upstreams share this JVM; at a few dozen requests per second they
 * are far from busy, and the node runs in its own. Each target is warmed at the same rate first (not
 * counted), then measured in rounds ({@code --seconds} split over {@code --rounds}, the targets' order
 * rotated each round, so a drift of the shared machine falls on all targets alike); each run's usage is
 * read from {@code GET /admin/usage} for its window only, and its upstream calls from the fake upstreams'
 * counters over the same window. After each run the run waits a little more than the tail delay, so that
 * no call of one run is charged to the next.
 */
public final class HedgeRun {
  static final String FIRST_MODEL = "model-a";
  static final String SECOND_MODEL = "model-b";
  static final String FIXED = "hedge";
  static final String P90 = "hedge-p90";
  /** Catalog prices of a small model (US dollars per million tokens), so that usage records carry a cost. */
  static final double INPUT_PRICE = 0.15;
  static final double OUTPUT_PRICE = 0.60;

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HedgeRun() {}

  /** One target the load goes to, and how it hedges, in words. */
  record Target(String model, String hedge) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = BenchRun.options(args);
    Path nodeJar = Path.of(opts.getOrDefault("node-jar", "router-node/target/switchboard-node.jar"));
    Path out = Path.of(opts.getOrDefault("out", "router-bench/results/"
        + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now()) + "-hedge"));
    double rate = Double.parseDouble(opts.getOrDefault("rate", "50"));
    Duration length = Duration.ofSeconds(Long.parseLong(opts.getOrDefault("seconds", "60")));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
    Duration perRound = length.dividedBy(rounds);
    Duration warmup = Duration.ofSeconds(Long.parseLong(opts.getOrDefault("warmup-seconds", "15")));
    Duration base = Duration.ofMillis(Long.parseLong(opts.getOrDefault("latency-ms", "200")));
    double tailShare = Double.parseDouble(opts.getOrDefault("tail-share", "0.05"));
    Duration tailDelay = Duration.ofMillis(Long.parseLong(opts.getOrDefault("tail-delay-ms", "2000")));
    Duration hedgeDelay = Duration.ofMillis(Long.parseLong(opts.getOrDefault("hedge-delay-ms", "300")));
    String heap = opts.getOrDefault("node-heap", "512m");
    if (!Files.isRegularFile(nodeJar)) {
      System.err.println("hedge: no node jar at " + nodeJar + " (build it: mvn -Pbench-jar -pl router-bench -am package)");
      System.exit(2);
    }
    Files.createDirectories(out);

    ReplyShape shape = new ReplyShape(false, 16, Duration.ZERO, Duration.ZERO);
    FakeUpstream.Running first = FakeUpstream.start("127.0.0.1", 0, shape, null,
        new UpstreamLatency(base, tailShare, tailDelay, 1)).toCompletableFuture().get(30, TimeUnit.SECONDS);
    FakeUpstream.Running second = FakeUpstream.start("127.0.0.1", 0, shape, null,
        new UpstreamLatency(base, tailShare, tailDelay, 2)).toCompletableFuture().get(30, TimeUnit.SECONDS);
    int nodePort = freePort();
    Path config = out.resolve("switchboard.conf");
    Files.writeString(config, nodeConfig(nodePort, first.port(), second.port(), hedgeDelay));
    // The admin key lives in the node's environment and this process only: never in a file or a log.
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    String adminKey = HexFormat.of().formatHex(secret);
    Process node = startNode(nodeJar, config, out, heap, adminKey);
    String baseUrl = "http://127.0.0.1:" + nodePort;
    List<HedgeReport.Row> rows = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    try {
      awaitReady(baseUrl, node);
      log("node up on " + baseUrl + " (pid " + node.pid() + "); upstreams on " + first.port() + " and " + second.port());
      List<Target> targets = List.of(
          new Target(FIRST_MODEL, "none"),
          new Target(FIXED, "after " + hedgeDelay.toMillis() + " ms"),
          new Target(P90, "after the first model's p90"));
      Map<String, HedgeReport.Tally> tallies = new LinkedHashMap<>();
      targets.forEach(t -> tallies.put(t.model(), new HedgeReport.Tally(t.model(), t.hedge())));
      List<String> p90s = new ArrayList<>();
      URI uri = URI.create(baseUrl + "/v1/chat/completions");
      try (HttpLoad load = new HttpLoad()) {
        for (Target target : targets) {
          log(target.model() + ": warm-up " + warmup.toSeconds() + " s at " + rate + " req/s");
          load.openLoopWithLag(target.model() + " warm-up", uri, body(target.model()), rate, Duration.ZERO, warmup);
          settle(first, second, tailDelay);
        }
        for (int round = 0; round < rounds; round++) {
          for (Target target : inRound(targets, round)) {
            if (target.model().equals(P90)) p90s.add(firstModelP90(baseUrl, adminKey));
            Instant from = Instant.now();
            HedgeReport.Calls before = calls(first, second);
            HttpLoad.OpenLoopResult result = load.openLoopWithLag(target.model(), uri, body(target.model()), rate,
                Duration.ZERO, perRound);
            settle(first, second, tailDelay);
            HedgeReport.Calls used = calls(first, second).since(before);
            HedgeReport.Usage usage = usage(baseUrl, adminKey, from, Instant.now());
            tallies.get(target.model()).add(result.histogram(), result.latency(), result.sendLag().p99Micros(), used,
                usage);
            LatencySummary l = result.latency();
            log(String.format(Locale.ROOT, "round %d, %s: ok %d, errors %s, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms,"
                    + " max %.1f ms, upstream calls %d + %d, send lag p99 %.2f ms", round + 1, target.model(), l.ok(),
                l.errors(), l.p50Micros() / 1000.0, l.p90Micros() / 1000.0, l.p99Micros() / 1000.0,
                l.maxMicros() / 1000.0, used.first(), used.second(), result.sendLag().p99Micros() / 1000.0));
          }
        }
      }
      p90s.add(firstModelP90(baseUrl, adminKey));
      tallies.values().forEach(t -> rows.add(t.row()));
      notes.add("The first model's observed p90 (its performance history, `GET /admin/deployments/.../history`), read"
          + " before each `" + P90 + "` run and at the end: " + String.join("; ", p90s) + ".");
    } finally {
      stopNode(node);
      first.stop();
      second.stop();
    }
    String report = report(args, rate, length, rounds, warmup, base, tailShare, tailDelay, hedgeDelay, rows, notes);
    Files.writeString(out.resolve("report.md"), report);
    System.out.println(report);
    log("report written to " + out.resolve("report.md").toAbsolutePath());
    System.exit(0);
  }

  /**
   * The node's file: two OpenAI-style providers, one per fake upstream, a priced model on each, and the
   * two hedging fan-outs over them. Both fan-outs fall back to {@code hedgeDelay} while the first model
   * has no history.
   */
  static String nodeConfig(int nodePort, int firstPort, int secondPort, Duration hedgeDelay) {
    return """
        # Written by HedgeRun: one node, two fake upstreams with a heavy tail, two hedging fan-outs.
        switchboard {
          http { host = "127.0.0.1", port = %d }
          providers.simulated = null
          models.switchboard-sim = null
          providers.upstream-a { kind = openai, openai.base-url = "http://127.0.0.1:%d/v1" }
          providers.upstream-b { kind = openai, openai.base-url = "http://127.0.0.1:%d/v1" }
          models.%s { provider = upstream-a, input-price-per-million = %s, output-price-per-million = %s }
          models.%s { provider = upstream-b, input-price-per-million = %s, output-price-per-million = %s }
          fan-outs {
            %s { strategy = first, candidates = [%s, %s], hedge { delay = %dms } }
            %s { strategy = first, candidates = [%s, %s], hedge { percentile = 90, delay = %dms } }
          }
        }
        """.formatted(nodePort, firstPort, secondPort,
        FIRST_MODEL, INPUT_PRICE, OUTPUT_PRICE, SECOND_MODEL, INPUT_PRICE, OUTPUT_PRICE,
        FIXED, FIRST_MODEL, SECOND_MODEL, hedgeDelay.toMillis(), P90, FIRST_MODEL, SECOND_MODEL, hedgeDelay.toMillis());
  }

  static String body(String model) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],\"max_tokens\":16}";
  }

  private static HedgeReport.Calls calls(FakeUpstream.Running first, FakeUpstream.Running second) {
    return new HedgeReport.Calls(first.calls().getAsLong(), second.calls().getAsLong(),
        first.tailCalls().getAsLong(), second.tailCalls().getAsLong());
  }

  /**
   * The targets in the order round {@code round} measures them: rotated by one each round, so that
   * each takes each place once in three rounds and a drift of the shared machine falls on all alike.
   */
  static List<Target> inRound(List<Target> targets, int round) {
    List<Target> order = new ArrayList<>(targets);
    java.util.Collections.rotate(order, -(round % targets.size()));
    return order;
  }

  /**
   * Waits until every call of the run before has ended at both upstreams (a cancelled one is dropped at
   * once; a slow one ends within its delay), checking every 50 ms, for at most the tail delay and 10 s.
   */
  private static void settle(FakeUpstream.Running first, FakeUpstream.Running second, Duration tailDelay)
      throws InterruptedException {
    Poll.until(() -> first.thinking().getAsLong() + second.thinking().getAsLong() == 0, Duration.ofMillis(50),
        tailDelay.plusSeconds(10));
  }

  /** The usage records of {@code [from, to)}, summed over routes and models. */
  private static HedgeReport.Usage usage(String baseUrl, String adminKey, Instant from, Instant to)
      throws IOException, InterruptedException {
    JsonNode report = adminGet(baseUrl + "/admin/usage?group_by=route,model&from=" + enc(from.toString()) + "&to="
        + enc(to.toString()), adminKey);
    long records = 0;
    long prompt = 0;
    long completion = 0;
    BigDecimal cost = BigDecimal.ZERO;
    for (JsonNode group : report.path("data")) {
      records += group.path("requests").asLong();
      prompt += group.path("prompt_tokens").asLong();
      completion += group.path("completion_tokens").asLong();
      cost = cost.add(group.path("cost_usd").decimalValue());
    }
    return new HedgeReport.Usage(records, prompt, completion, cost);
  }

  /** The first model's p90 as its history says, e.g. "53 ms", or why it is not known. */
  private static String firstModelP90(String baseUrl, String adminKey) {
    try {
      JsonNode history = adminGet(baseUrl + "/admin/deployments/" + enc("upstream-a/" + FIRST_MODEL) + "/history?limit=0",
          adminKey);
      JsonNode summary = history.path("summary");
      JsonNode p90 = summary.has("latency_p90_millis") ? summary.get("latency_p90_millis") : summary.path("latencyP90Millis");
      return p90.isMissingNode() ? "not shown" : p90.asLong() + " ms (over " + history.path("size").asLong() + " outcomes)";
    } catch (IOException | InterruptedException | RuntimeException e) {
      return "not read (" + e.getMessage() + ")";
    }
  }

  private static JsonNode adminGet(String url, String adminKey) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + adminKey).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET " + URI.create(url).getPath() + " answered " + response.statusCode() + ": " + response.body());
    }
    return MAPPER.readTree(response.body());
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static Process startNode(Path jar, Path config, Path out, String heap, String adminKey) throws IOException {
    // NODE_JAVA and NODE_JAVA_OPTS (run.sh) may put the node on another JDK, with more flags.
    List<String> command = new ArrayList<>();
    command.add(NodeJava.binary());
    command.add("-Xmx" + heap);
    command.addAll(NodeJava.options());
    command.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "--config", config.toAbsolutePath().toString()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(out.resolve("switchboard.log").toFile());
    Map<String, String> env = builder.environment();
    // The node's file decides; a variable left over in the operator's shell must not.
    env.keySet().removeIf(k -> k.startsWith("SWITCHBOARD_"));
    env.put("SWITCHBOARD_DATA_DIR", out.resolve("data").toAbsolutePath().toString());
    env.put("SWITCHBOARD_ADMIN_KEY", adminKey);
    log("starting the node: " + String.join(" ", command));
    return builder.start();
  }

  private static void awaitReady(String baseUrl, Process node) throws IOException, InterruptedException {
    HttpRequest probe = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body(FIRST_MODEL))).build();
    boolean ready;
    try {
      ready = Poll.until(() -> {
        if (!node.isAlive()) {
          throw new java.io.UncheckedIOException(
              new IOException("the node exited with " + node.exitValue() + "; see switchboard.log"));
        }
        try {
          return HTTP.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYet) {
          return false; // not listening yet
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }, Duration.ofMillis(500), Duration.ofSeconds(90));
    } catch (java.io.UncheckedIOException exited) {
      throw exited.getCause();
    }
    if (!ready) throw new IOException("the node did not answer within 90 s; see switchboard.log");
  }


  private static void stopNode(Process node) throws InterruptedException {
    node.destroy();
    if (!node.waitFor(30, TimeUnit.SECONDS)) {
      node.destroyForcibly();
      node.waitFor();
    }
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String report(String[] args, double rate, Duration length, int rounds, Duration warmup, Duration base,
      double tailShare, Duration tailDelay, Duration hedgeDelay, List<HedgeReport.Row> rows, List<String> notes) {
    StringBuilder out = new StringBuilder("# Hedging a heavy tail\n\n");
    out.append("Command: `java -cp router-bench.jar io.switchboard.bench.HedgeRun ").append(String.join(" ", args))
        .append("`, ").append(Instant.now()).append(".\n\n");
    out.append(String.format(Locale.ROOT, "Two fake upstreams, each answering after %d ms and holding a seeded %.1f%% of"
            + " its calls %d ms longer (seeds 1 and 2), one Switchboard node, %s req/s open loop for %d s per target"
            + " in %d rounds (the targets rotated, %d s each a round, 1 s more than the tail delay between runs), after"
            + " %d s of warm-up per target at the same rate (not counted). Fan-outs over `%s` then `%s`: `%s` hedges after"
            + " %d ms, `%s` after the first model's observed p90 (%d ms until it has history). Prices $%.2f / $%.2f"
            + " per million input / output tokens on both models. Latency counts from each request's intended send"
            + " time.%n%n", base.toMillis(), tailShare * 100, tailDelay.toMillis(), num(rate), length.toSeconds(),
        rounds, length.dividedBy(rounds).toSeconds(), warmup.toSeconds(), FIRST_MODEL, SECOND_MODEL, FIXED, hedgeDelay.toMillis(), P90, hedgeDelay.toMillis(),
        INPUT_PRICE, OUTPUT_PRICE));
    out.append(HedgeReport.table(rows)).append('\n');
    out.append("Upstream calls are counted at the fake upstreams (a call cancelled before it answered counts);"
        + " tokens and cost come from the node's usage records of the measured window (`GET /admin/usage`), where a"
        + " cancelled call is charged its prompt.\n\n");
    for (HedgeReport.Row row : rows) {
      out.append(String.format(Locale.ROOT, "- `%s`: %d usage records for %d requests, %d prompt and %d completion"
              + " tokens, $%s.%n", row.target(), row.usage().records(), row.latency().ok() + row.latency().errorCount(),
          row.usage().promptTokens(), row.usage().completionTokens(), row.usage().costUsd().toPlainString()));
    }
    notes.forEach(note -> out.append("- ").append(note).append('\n'));
    return out.toString();
  }

  private static String num(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }

  private static void log(String line) {
    System.out.println("[hedge] " + line);
  }
}
