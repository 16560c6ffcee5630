package io.switchboard.bench;

import io.switchboard.bench.coldstart.ColdStartOptions;
import io.switchboard.bench.coldstart.ColdStartReport;
import io.switchboard.bench.coldstart.StartFigures;
import io.switchboard.bench.coldstart.StartOrder;
import io.switchboard.bench.coldstart.Variant;
import io.switchboard.bench.load.HttpLoad;
import io.switchboard.bench.load.LatencySummary;
import io.switchboard.bench.report.Charts;
import io.switchboard.bench.report.ProcessCpu;
import io.switchboard.bench.upstream.BarePekkoProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Cold start, measured (issue 18, "the runtime" and "warm-up before ready"): how soon a fresh node
 * serves at its warm throughput, for several ways of starting it ({@link Variant}: JDK 17 or 25, the
 * node's warm-up on or off, an AOT cache), beside a fresh bare Pekko HTTP proxy as the same-run
 * reference. Each start launches the node jar in front of the fake upstream (already warm), times
 * process start to the first 200 of {@code /ready}, then at once puts a saturating closed loop on it for
 * {@code --load-seconds}, counting completed requests per second, and reads the node's CPU and its JIT
 * threads' CPU over the first window. Starts are interleaved across variants
 * ({@link StartOrder}); the report gives each figure's median and range per variant.
 *
 * <pre>
 * java -cp router-bench.jar io.switchboard.bench.ColdStartRun --upstream http://127.0.0.1:PORT \
 *     [--variants jdk17-off,jdk17,jdk25,jdk25-aot] [--starts 3] [--load-seconds 60] (see ColdStartOptions)
 * </pre>
 *
 * <p>An AOT variant is trained once before the measured starts (JEP 514's one step): the node started
 * with the variant's binary, flags and configuration plus {@code -XX:AOTCacheOutput}, loaded for
 * {@code --aot-training-seconds}, and stopped with SIGTERM, on which the JVM writes the cache as it exits.
 * Its starts then add {@code -XX:AOTCache}; a JVM that cannot use the cache says so on its output at
 * warning level, and the report counts those lines.
 */
public final class ColdStartRun {
  static final String MODEL = "bench-model";
  static final String BODY = "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final Duration READY_WITHIN = Duration.ofSeconds(180);

  private ColdStartRun() {}

  /** A trained AOT cache: its file, size, and how long training and writing it took. */
  record AotCache(Path file, long bytes, Duration took) {}

  public static void main(String[] args) throws Exception {
    ColdStartOptions options;
    try {
      options = ColdStartOptions.of(BenchRun.options(args));
    } catch (IllegalArgumentException e) {
      System.err.println("coldstart: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (!Files.isRegularFile(options.nodeJar())) {
      System.err.println("coldstart: no node jar at " + options.nodeJar());
      System.exit(2);
    }
    Path out = options.out();
    Files.createDirectories(out.resolve("starts"));
    Map<String, String> versions = new LinkedHashMap<>();
    for (Variant v : options.variants()) versions.computeIfAbsent(v.java(), ColdStartRun::javaVersion);
    log("variants: " + options.variants().stream().map(Variant::label).toList() + ", " + options.starts()
        + " starts each, " + options.load().toSeconds() + " s of load per start; about "
        + (options.estimate().toSeconds() + 59) / 60 + " min");

    List<ColdStartReport.Start> starts = new ArrayList<>();
    Map<String, AotCache> caches = new LinkedHashMap<>();
    Map<String, Integer> aotWarnings = new LinkedHashMap<>();
    Map<String, Integer> aotOpened = new LinkedHashMap<>();
    List<String> failures = new ArrayList<>();
    StringBuilder curves = new StringBuilder("start,variant,second,completed,failed,p99_ms\n");
    Map<String, List<long[]>> perSecond = new LinkedHashMap<>();
    try (HttpLoad load = new HttpLoad()) {
      log("fake upstream warm-up: " + options.upstreamWarmup().toSeconds() + " s");
      load.closedLoop("upstream warm-up", URI.create(options.upstream() + "/v1/chat/completions"), BODY,
          options.connections(), Duration.ZERO, options.upstreamWarmup());
      for (Variant v : options.variants()) {
        if (v.aotCache()) caches.put(v.label(), train(v, options, load));
      }
      List<Variant> order = StartOrder.of(options.variants(), options.starts());
      for (int i = 0; i < order.size(); i++) {
        Variant v = order.get(i);
        String name = String.format(Locale.ROOT, "%02d-%s", i + 1, v.label());
        // -Xlog:aot (info, a few dozen lines at start-up) shows the cache opened, or why it was not used.
        List<String> extra = v.aotCache()
            ? List.of("-XX:AOTCache=" + caches.get(v.label()).file(), "-Xlog:aot") : List.of();
        Path logFile = out.resolve("starts").resolve(name + ".log");
        StartFigures figures;
        try {
          figures = measure(v, extra, name, logFile, options, load, curves, perSecond, i + 1);
        } catch (IOException | RuntimeException | java.util.concurrent.ExecutionException
            | java.util.concurrent.TimeoutException e) {
          // One start that never got ready must not cost the rest of a long run: named in the report instead.
          failures.add(name + ": " + e.getMessage() + " (log: starts/" + name + ".log)");
          log(name + " failed: " + e.getMessage());
          continue;
        }
        starts.add(new ColdStartReport.Start(i + 1, v, figures));
        aotWarnings.merge(v.label(), aotWarnings(logFile), Integer::sum);
        if (v.aotCache() && opened(logFile)) aotOpened.merge(v.label(), 1, Integer::sum);
        log(String.format(Locale.ROOT, "%s: ready %.2f s, first %d s %.0f req/s, warm %.0f req/s (%.0f%%), p99 first"
                + " %.1f ms, 80%% after %s s, CPU %.2f cores (JIT %.2f), %d failed", name, figures.readySeconds(),
            options.windowSeconds(), figures.firstRate(), figures.warmRate(), figures.warmShare() * 100,
            figures.firstP99Micros() / 1000.0, figures.secondsTo80(), figures.cpuCores(), figures.jitCores(),
            figures.failed()));
      }
    }
    Files.writeString(out.resolve("curves.csv"), curves);
    chart(out.resolve("first-minute.png"), perSecond);
    String report = report(args, options, versions, starts, caches, aotWarnings, aotOpened, failures);
    Files.writeString(out.resolve("report.md"), report);
    System.out.println(report);
    log("report written to " + out.resolve("report.md").toAbsolutePath());
    System.exit(0);
  }

  /**
   * Trains {@code v}'s AOT cache: under load (a start with {@code -XX:AOTCacheOutput}, load, SIGTERM, the file
   * written), or as the image's build does.
   */
  private static AotCache train(Variant v, ColdStartOptions options, HttpLoad load) throws Exception {
    Path dir = Files.createDirectories(options.out().resolve("aot"));
    Path file = dir.resolve(v.label() + ".aot").toAbsolutePath();
    Files.deleteIfExists(file);
    if (v.training() == Variant.Training.IMAGE) return trainAsTheImage(v, options, dir, file);
    int port = freePort();
    Path config = dir.resolve(v.label() + "-training.conf");
    Files.writeString(config, nodeConfig(port, options.upstream(), options.upstreamPool(), v.config()));
    log(v.label() + ": training its AOT cache, " + options.aotTraining().toSeconds() + " s of load");
    long began = System.nanoTime();
    Process node = start(v, List.of("-XX:AOTCacheOutput=" + file), options, port, config,
        dir.resolve(v.label() + "-training-data"), dir.resolve(v.label() + "-training.log"));
    try {
      awaitReady(v, node, port);
      load.closedLoop(v.label() + " training", URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"), BODY,
          options.connections(), Duration.ZERO, options.aotTraining());
    } finally {
      // SIGTERM: the JVM exits through its shutdown hooks and writes the cache on the way (a child JVM assembles it).
      stop(node, Duration.ofMinutes(5));
    }
    if (!Files.isRegularFile(file) || Files.size(file) == 0) {
      throw new IOException("the training run of " + v.label() + " wrote no AOT cache at " + file + "; see "
          + dir.resolve(v.label() + "-training.log"));
    }
    return written(v, file, began);
  }

  /**
   * Trains {@code v}'s cache with the script the Docker image's build runs ({@code deploy/aot-cache.sh}): the
   * node's own warm-up on its built-in configuration, no load from this run. The script fails when the JVM
   * refuses the cache it wrote.
   */
  private static AotCache trainAsTheImage(Variant v, ColdStartOptions options, Path dir, Path file) throws Exception {
    Path logFile = dir.resolve(v.label() + "-training.log");
    List<String> command = new ArrayList<>(List.of("bash", options.aotScript().toAbsolutePath().toString(),
        options.nodeJar().toAbsolutePath().toString(), file.toString()));
    command.addAll(v.flags());
    log(v.label() + ": training its AOT cache as the image build does, " + options.imageWarmUpRequests()
        + " warm-up requests: " + String.join(" ", command));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile());
    Map<String, String> env = variantsOwn(builder);
    env.put("JAVA", v.java());
    env.put("WARM_UP_REQUESTS", Integer.toString(options.imageWarmUpRequests()));
    long began = System.nanoTime();
    Process script = builder.start();
    if (!script.waitFor(10, TimeUnit.MINUTES)) {
      script.destroyForcibly();
      throw new IOException("training " + v.label() + " as the image does took over 10 min; see " + logFile);
    }
    if (script.exitValue() != 0 || !Files.isRegularFile(file) || Files.size(file) == 0) {
      throw new IOException(options.aotScript() + " failed for " + v.label() + " (exit " + script.exitValue()
          + "); see " + logFile);
    }
    return written(v, file, began);
  }

  /** The cache {@code v}'s training wrote to {@code file}, timed from {@code began} ({@link System#nanoTime}). */
  private static AotCache written(Variant v, Path file, long began) throws IOException {
    AotCache cache = new AotCache(file, Files.size(file), Duration.ofNanos(System.nanoTime() - began));
    log(String.format(Locale.ROOT, "%s: AOT cache %s, %.1f MB, %d s", v.label(), file, cache.bytes() / 1e6,
        cache.took().toSeconds()));
    return cache;
  }

  /** Each variant's median requests per second over its starts, second by second of load. */
  private static void chart(Path file, Map<String, List<long[]>> perSecond) throws IOException {
    Map<String, List<Double>> lines = new LinkedHashMap<>();
    perSecond.forEach((label, curves) -> lines.put(label, ColdStartReport.medianCurve(curves)));
    int seconds = lines.values().stream().mapToInt(List::size).min().orElse(0);
    if (seconds == 0) return;
    lines.replaceAll((label, line) -> line.subList(0, seconds));
    List<Double> x = new ArrayList<>();
    for (int s = 1; s <= seconds; s++) x.add((double) s);
    Charts.lines(file, "A fresh node's first minute under load (median of its starts)", "seconds since /ready",
        "requests/s", x, lines);
  }

  /** One fresh start of {@code v}: to /ready, then the load curve, then stopped. */
  private static StartFigures measure(Variant v, List<String> extra, String name, Path logFile,
      ColdStartOptions options, HttpLoad load, StringBuilder curves, Map<String, List<long[]>> curvesByVariant,
      int number) throws Exception {
    int port = freePort();
    Path config = options.out().resolve("starts").resolve(name + ".conf");
    if (v.program() == Variant.Program.NODE) {
      Files.writeString(config, nodeConfig(port, options.upstream(), options.upstreamPool(), v.config()));
    }
    long began = System.nanoTime();
    Process node = start(v, extra, options, port, config, options.out().resolve("starts").resolve(name + "-data"),
        logFile);
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      awaitReady(v, node, port);
      double ready = (System.nanoTime() - began) / 1e9;
      ProcessCpu cpu = new ProcessCpu(List.of(node.pid()));
      long cpuAtLoad = cpu.micros();
      long jitAtLoad = cpu.compilerMicros();
      CompletableFuture<long[]> afterWindow = new CompletableFuture<>();
      timer.schedule(() -> afterWindow.complete(new long[] {cpu.micros(), cpu.compilerMicros()}),
          options.windowSeconds(), TimeUnit.SECONDS);
      HttpLoad.Curve curve = load.closedLoopCurve(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"),
          BODY, options.connections(), options.load(), Duration.ofSeconds(1));
      long[] window = afterWindow.get(5, TimeUnit.SECONDS);
      int w = options.windowSeconds();
      long[] perSecond = curve.completed();
      double warm = StartFigures.warmRate(perSecond, w);
      Histogram first = LatencySummary.newHistogram();
      for (int s = 0; s < Math.min(w, perSecond.length); s++) first.add(curve.latencies()[s]);
      for (int s = 0; s < perSecond.length; s++) {
        curves.append(number).append(',').append(v.label()).append(',').append(s + 1).append(',').append(perSecond[s])
            .append(',').append(curve.failed()[s]).append(',')
            .append(String.format(Locale.ROOT, "%.2f", curve.latencies()[s].getValueAtPercentile(99.0) / 1000.0))
            .append('\n');
      }
      curvesByVariant.computeIfAbsent(v.label(), label -> new ArrayList<>()).add(perSecond);
      return new StartFigures(ready, StartFigures.firstRate(perSecond, w), warm, first.getValueAtPercentile(99.0),
          StartFigures.secondsTo(perSecond, warm, StartFigures.TARGET),
          (window[0] - cpuAtLoad) / 1e6 / w, (window[1] - jitAtLoad) / 1e6 / w,
          java.util.Arrays.stream(curve.failed()).sum());
    } finally {
      timer.shutdownNow();
      stop(node, Duration.ofSeconds(60));
    }
  }

  /**
   * The node's file, as run.sh's for its other modes: one OpenAI-style provider on the fake upstream with
   * {@code pool} as its max-in-flight and connection pool, then the variant's own lines.
   */
  static String nodeConfig(int port, String upstream, int pool, String variantConfig) {
    return """
        # Written by ColdStartRun: one node in front of the fake upstream.
        switchboard {
          http { host = "127.0.0.1", port = %d }
          http.max-connections-per-address-exempt = ["127.0.0.1", "::1"]
          providers.simulated = null
          models.switchboard-sim = null
          providers.bench {
            kind = openai
            max-in-flight = %d
            queue { max-size = 30000 }
            connection-pool.max-connections = %d
            openai.base-url = "%s/v1"
          }
          models.%s { provider = bench }
        }
        # The variant's lines:
        %s
        """.formatted(port, pool, pool, upstream, MODEL, variantConfig);
  }

  private static Process start(Variant v, List<String> extra, ColdStartOptions options, int port, Path config,
      Path dataDir, Path logFile) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(v.java());
    command.addAll(v.flags());
    command.addAll(extra);
    command.addAll(program(v, options, port, config));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile());
    variantsOwn(builder).put("SWITCHBOARD_DATA_DIR", dataDir.toAbsolutePath().toString());
    log("starting: " + String.join(" ", command));
    return builder.start();
  }

  /**
   * {@code builder}'s environment without what the operator's shell could add: the variant decides, and
   * neither a {@code SWITCHBOARD_} variable nor JVM options may. Returned for the caller's own entries.
   */
  private static Map<String, String> variantsOwn(ProcessBuilder builder) {
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("SWITCHBOARD_"));
    env.remove("JAVA_TOOL_OPTIONS");
    env.remove("JDK_JAVA_OPTIONS");
    return env;
  }

  /**
   * What follows a variant's JVM flags: the node jar with its file, or the bare Pekko proxy's class from this
   * run's own class path (router-bench's jar), on {@code port} in front of the run's fake upstream.
   */
  static List<String> program(Variant v, ColdStartOptions options, int port, Path config) {
    if (v.program() == Variant.Program.BARE_PEKKO) {
      return List.of("-cp", System.getProperty("java.class.path"), BarePekkoProxy.class.getName(),
          "--port", Integer.toString(port), "--upstream", options.upstream());
    }
    return List.of("-jar", options.nodeJar().toAbsolutePath().toString(),
        "--config", config.toAbsolutePath().toString());
  }

  /**
   * Waits for the first 200 of the node's {@code /ready}; the bare Pekko proxy, which has none, is ready at its
   * first 200 to the request the load sends.
   */
  private static void awaitReady(Variant v, Process node, int port) throws IOException, InterruptedException {
    HttpRequest ready = v.program() == Variant.Program.BARE_PEKKO
        ? HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(BODY)).build()
        : HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).timeout(Duration.ofSeconds(5)).GET()
            .build();
    boolean up;
    try {
      up = Poll.until(() -> {
        if (!node.isAlive()) {
          throw new UncheckedIOException(new IOException("the node exited with " + node.exitValue() + "; see its log"));
        }
        try {
          return HTTP.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYet) {
          return false;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }, Duration.ofMillis(20), READY_WITHIN);
    } catch (UncheckedIOException exited) {
      throw exited.getCause();
    }
    if (!up) throw new IOException("the node was not ready within " + READY_WITHIN.toSeconds() + " s");
  }

  private static void stop(Process node, Duration within) throws InterruptedException {
    node.destroy();
    if (!node.waitFor(within.toSeconds(), TimeUnit.SECONDS)) {
      node.destroyForcibly();
      node.waitFor();
    }
  }

  /** Lines in which a JDK 25 JVM warned or erred about its AOT cache, e.g. "Unable to use AOT cache". */
  static int aotWarnings(Path logFile) {
    try {
      return (int) Files.readAllLines(logFile, StandardCharsets.UTF_8).stream()
          .filter(ColdStartRun::isAotComplaint).count();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  /** Whether a start's log shows its JVM opened the AOT cache ({@code -Xlog:aot}: "Opened AOT cache ..."). */
  static boolean opened(Path logFile) {
    try {
      return Files.readAllLines(logFile, StandardCharsets.UTF_8).stream()
          .anyMatch(ColdStartRun::isAotOpened);
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }

  static boolean isAotOpened(String line) {
    return line.matches("^\\[[^]]*\\]\\[info\\s*\\]\\[aot\\] Opened AOT cache .*");
  }

  static boolean isAotComplaint(String line) {
    return line.matches("^\\[[^]]*\\]\\[(warning|error)\\s*\\]\\[(aot|cds)[^]]*\\].*");
  }

  /** {@code java -version} of a binary, its lines joined; the run stops if the binary does not start. */
  private static String javaVersion(String java) {
    try {
      Process p = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor() != 0) throw new IllegalStateException(java + " -version failed: " + text);
      return text.replace('\n', ';');
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + java, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String report(String[] args, ColdStartOptions o, Map<String, String> versions,
      List<ColdStartReport.Start> starts, Map<String, AotCache> caches, Map<String, Integer> aotWarnings,
      Map<String, Integer> aotOpened, List<String> failures) throws IOException {
    int w = o.windowSeconds();
    StringBuilder out = new StringBuilder("# Cold start: fresh nodes under load from /ready on\n\n");
    out.append("Command: `run.sh coldstart` = `java -cp router-bench.jar io.switchboard.bench.ColdStartRun ")
        .append(String.join(" ", args)).append("`, finished ").append(Instant.now()).append(".\n\n");
    if (o.machine() != null && Files.isRegularFile(o.machine())) {
      out.append("```\n").append(Files.readString(o.machine()).strip()).append("\n```\n\n");
    }
    out.append(String.format(Locale.ROOT, "Each start: the node jar launched in front of the fake upstream (warmed %d s"
            + " first), timed from process start to the first 200 of `/ready` (polled every 20 ms), then at once a"
            + " closed loop of %d keep-alive connections for %d s, completed requests counted per second (the node's"
            + " upstream pool and max-in-flight: %d). First ="
            + " the first %d s of load; warm = the last %d s of the same start; the issue's target is first >= 80%%"
            + " of warm. \"s to 80%%\" is the end of the first one-second slice at 80%% of warm or more. CPU is the"
            + " node process's (all threads, /proc) over the first %d s of load, in cores; JIT its C1/C2 compiler"
            + " threads'. %d starts per variant, interleaved (A B C, C B A, ...). Median (range) over starts.%n%n",
        o.upstreamWarmup().toSeconds(), o.connections(), o.load().toSeconds(), o.upstreamPool(), w, w, w,
        o.starts()));
    out.append(ColdStartReport.summary(o.variants(), starts, w)).append('\n');
    out.append("## Variants\n\n");
    for (Variant v : o.variants()) {
      out.append("- `").append(v.label()).append("`: `").append(v.java()).append(' ')
          .append(String.join(" ", v.flags())).append(v.aotCache() ? " -XX:AOTCache=aot/" + v.label() + ".aot" : "")
          .append(v.program() == Variant.Program.BARE_PEKKO
              ? " -cp router-bench.jar " + BarePekkoProxy.class.getName() + "`: the bare Pekko HTTP proxy (server and"
                  + " host pool, nothing between them), ready at its first 200; "
              : "`; node config `" + v.config() + "`; ")
          .append(versions.get(v.java())).append('\n');
      AotCache cache = caches.get(v.label());
      if (cache != null) {
        String how = v.training() == Variant.Training.IMAGE
            ? String.format(Locale.ROOT, "as the Docker image's build trains it (`%s`, the node's warm-up of %d"
                + " requests on its built-in configuration, `--exit-when-warm`)", o.aotScript(),
                o.imageWarmUpRequests())
            : String.format(Locale.ROOT, "with %d s of the same load (JEP 514, `-XX:AOTCacheOutput`, stopped with"
                + " SIGTERM)", o.aotTraining().toSeconds());
        out.append(String.format(Locale.ROOT, "  - AOT cache trained %s: %.1f MB, %d s from training start to cache"
                + " written; starts whose log (`-Xlog:aot`) shows the cache opened: %d of %d; AOT warning or error"
                + " lines in their logs: %d%n", how, cache.bytes() / 1e6, cache.took().toSeconds(),
            aotOpened.getOrDefault(v.label(), 0), o.starts(), aotWarnings.getOrDefault(v.label(), 0)));
      }
    }
    out.append("\n## Every start, in order\n\n").append(ColdStartReport.starts(starts));
    if (!failures.isEmpty()) {
      out.append("\n## Starts that measured nothing\n\n");
      failures.forEach(f -> out.append("- ").append(f).append('\n'));
    }
    out.append("\n![first minute](first-minute.png)\n");
    out.append("\nPer-second curves of every start: `curves.csv`; the nodes' logs: `starts/`.\n");
    return out.toString();
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void log(String line) {
    System.out.println("[coldstart] " + line);
  }
}
