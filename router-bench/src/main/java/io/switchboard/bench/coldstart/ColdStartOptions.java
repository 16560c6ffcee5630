package io.switchboard.bench.coldstart;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What a cold-start run was asked: the variants, how many fresh starts of each, how long the load on
 * each start lasts, and the window its first and warm figures are taken over.
 *
 * <pre>
 * --upstream URL            the fake upstream, already started (required)
 * --node-jar PATH           router-node/target/switchboard-node.jar
 * --out DIR                 where report.md, curves.csv, the nodes' logs and the AOT caches go
 * --variants LIST           jdk17-off,jdk17,jdk25,jdk25-aot (see {@link Variant#select})
 * --jdk17 JAVA              java
 * --jdk25 JAVA              /usr/lib/jvm/temurin-25-jdk-amd64/bin/java
 * --common-flags FLAGS      -Xmx1g (every variant's first flags, separated by spaces)
 * --starts N                3 fresh starts per variant
 * --load-seconds S          60 s of saturating closed loop from /ready on
 * --window-seconds S        10 s: the first and the warm (last) window
 * --connections N           64
 * --upstream-pool N         4096: the node's max-in-flight and upstream pool, as run.sh's benchmark node
 * --upstream-warmup-seconds 20 s of load straight on the fake upstream before anything is measured
 * --aot-training-seconds S  45 s of load on each AOT variant's training run
 * --aot-script PATH         deploy/aot-cache.sh: what trains an {@code image} variant's cache, as the image build does
 * --image-warm-up-requests N 2000: its warm-up's requests, as deploy/Dockerfile gives them
 * --machine FILE            run.sh's machine description, copied into the report
 * </pre>
 */
public record ColdStartOptions(String upstream, Path nodeJar, Path out, List<Variant> variants, int starts,
    Duration load, int windowSeconds, int connections, int upstreamPool, Duration upstreamWarmup,
    Duration aotTraining, Path aotScript, int imageWarmUpRequests, Path machine) {
  public static final int DEFAULT_STARTS = 3;
  public static final int DEFAULT_LOAD_SECONDS = 60;
  public static final int DEFAULT_WINDOW_SECONDS = 10;
  public static final int DEFAULT_CONNECTIONS = 64;
  /**
   * As run.sh's benchmark node, so warm figures compare with the other modes'. A cold node with a
   * large pool opens many more upstream connections than the default of 64 (benchmarks.md, Cold start).
   */
  public static final int DEFAULT_UPSTREAM_POOL = 4096;
  public static final int DEFAULT_UPSTREAM_WARMUP_SECONDS = 20;
  public static final int DEFAULT_AOT_TRAINING_SECONDS = 45;
  /** What deploy/Dockerfile passes to deploy/aot-cache.sh as {@code WARM_UP_REQUESTS}. */
  public static final int DEFAULT_IMAGE_WARM_UP_REQUESTS = 2000;
  /** A start's own cost beyond its load, for the time estimate: to /ready, stopping, a fresh port. */
  static final Duration START_OVERHEAD = Duration.ofSeconds(15);
  /** A training run's cost beyond its load: start, and writing the cache after SIGTERM. */
  static final Duration TRAINING_OVERHEAD = Duration.ofSeconds(60);

  public ColdStartOptions {
    variants = List.copyOf(variants);
    if (starts < 1) throw new IllegalArgumentException("--starts must be at least 1, was " + starts);
    if (windowSeconds < 1) throw new IllegalArgumentException("--window-seconds must be at least 1");
    if (load.toSeconds() < 2L * windowSeconds) {
      throw new IllegalArgumentException("--load-seconds (" + load.toSeconds() + ") must hold the first and the warm"
          + " window (" + windowSeconds + " s each) without overlap");
    }
    if (connections < 1) throw new IllegalArgumentException("--connections must be at least 1");
    if (upstreamPool < 1) throw new IllegalArgumentException("--upstream-pool must be at least 1");
    if (imageWarmUpRequests < 1) throw new IllegalArgumentException("--image-warm-up-requests must be at least 1");
  }

  /** The options of {@code --name value} pairs; the defaults above for those not given. */
  public static ColdStartOptions of(Map<String, String> opts) {
    String upstream = opts.get("upstream");
    if (upstream == null || upstream.isBlank()) {
      throw new IllegalArgumentException("--upstream URL of the fake upstream is required");
    }
    List<String> common = Arrays.stream(opts.getOrDefault("common-flags", "-Xmx1g").strip().split("\\s+"))
        .filter(f -> !f.isEmpty()).toList();
    Map<String, Variant> catalogue = Variant.catalogue(opts.getOrDefault("jdk17", "java"),
        opts.getOrDefault("jdk25", Variant.DEFAULT_JDK25), common);
    return new ColdStartOptions(upstream.replaceAll("/+$", ""),
        Path.of(opts.getOrDefault("node-jar", "router-node/target/switchboard-node.jar")),
        Path.of(opts.getOrDefault("out", "router-bench/results/coldstart")),
        Variant.select(opts.getOrDefault("variants", String.join(",", Variant.DEFAULT_SELECTION)), catalogue),
        integer(opts, "starts", DEFAULT_STARTS),
        Duration.ofSeconds(integer(opts, "load-seconds", DEFAULT_LOAD_SECONDS)),
        integer(opts, "window-seconds", DEFAULT_WINDOW_SECONDS),
        integer(opts, "connections", DEFAULT_CONNECTIONS),
        integer(opts, "upstream-pool", DEFAULT_UPSTREAM_POOL),
        Duration.ofSeconds(integer(opts, "upstream-warmup-seconds", DEFAULT_UPSTREAM_WARMUP_SECONDS)),
        Duration.ofSeconds(integer(opts, "aot-training-seconds", DEFAULT_AOT_TRAINING_SECONDS)),
        Path.of(opts.getOrDefault("aot-script", "deploy/aot-cache.sh")),
        integer(opts, "image-warm-up-requests", DEFAULT_IMAGE_WARM_UP_REQUESTS),
        opts.containsKey("machine") ? Path.of(opts.get("machine")) : null);
  }

  /** Roughly how long the run takes: the upstream's warm-up, each AOT training, each start. */
  public Duration estimate() {
    long trainings = variants.stream().filter(Variant::aotCache).count();
    // An image variant's training is the node's warm-up, not aotTraining of load: counted the same, roughly.
    return upstreamWarmup
        .plus(aotTraining.plus(TRAINING_OVERHEAD).multipliedBy(trainings))
        .plus(load.plus(START_OVERHEAD).multipliedBy((long) starts * variants.size()));
  }

  private static int integer(Map<String, String> opts, String name, int fallback) {
    String value = opts.get(name);
    if (value == null) return fallback;
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a whole number, was '" + value + "'");
    }
  }
}
