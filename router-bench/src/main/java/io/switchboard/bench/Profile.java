package io.switchboard.bench;

import java.time.Duration;
import io.switchboard.bench.load.WarmUp;
import java.util.List;

/**
 * How long and how hard one run measures. {@code quick} checks the harness in a few minutes;
 * {@code full} is what docs/benchmarks.md records; {@code streams} measures only the held streams. Every path is first warmed in rounds of
 * {@code warmupRound} until its throughput settles (at most {@code warmupMaxRounds}); {@code warmup} is the
 * shorter warm-up before each fixed-rate and streaming measurement.
 *
 * <p>Held streams come in two client protocols. Over HTTP/1.1 ({@code heldStreams}) every stream holds
 * two sockets on the node, client side and upstream side, so the per-process file limit caps them
 * ({@code maxStreams}); over h2c ({@code h2HeldStreams}) the client side shares a few connections, so
 * 10,000 fit where HTTP/1.1 stops short ({@code maxH2Streams}).
 */
record Profile(
    String name, Duration warmup, Duration measure, List<Integer> rates, Duration saturation,
    int saturationConnections, double streamRate, List<Integer> heldStreams, List<Integer> h2HeldStreams,
    Duration warmupRound, int warmupMaxRounds) {

  /**
   * Warm-up rounds always run, and how many flat rounds in a row count as warm: no gain of more than
   * 5% over the best earlier round, and the path's JIT compilers below 15% of a core.
   */
  static final int WARMUP_MIN_ROUNDS = 3;
  static final int WARMUP_SETTLE_ROUNDS = 2;
  static final double WARMUP_TOLERANCE = 0.05;
  static final double WARMUP_MAX_COMPILING = 0.15;

  /**
   * Both profiles allow the same warm-up (24 rounds of 5 s at most): on 2 shared cores the node needed
   * 18–19 rounds, and a quick run that measures a cold node says nothing.
   */
  static Profile named(String name, int maxStreams, int maxH2Streams) {
    return switch (name) {
      case "quick" -> new Profile("quick", Duration.ofSeconds(3), Duration.ofSeconds(8), List.of(500, 1000),
          Duration.ofSeconds(8), 64, 200, upTo(maxStreams, 1000), upTo(maxH2Streams, 1000),
          Duration.ofSeconds(5), 24);
      case "full" -> new Profile("full", Duration.ofSeconds(5), Duration.ofSeconds(20), List.of(500, 1000, 5000),
          Duration.ofSeconds(20), 64, 200, upTo(maxStreams, 1000, 10_000), upTo(maxH2Streams, 10_000),
          Duration.ofSeconds(5), 24);
      // Held streams only (no warm-up, saturation, rates or stream latency): the memory row on its own.
      case "streams" -> new Profile("streams", Duration.ofSeconds(5), Duration.ofSeconds(20), List.of(),
          Duration.ofSeconds(20), 64, 200, upTo(maxStreams, 1000), upTo(maxH2Streams, 1000, 10_000),
          Duration.ofSeconds(5), 24);
      default -> throw new IllegalArgumentException("profile must be quick, full or streams, was " + name);
    };
  }

  /** The sizes, each capped at {@code max}; none when nothing may be held. */
  private static List<Integer> upTo(int max, int... sizes) {
    return java.util.Arrays.stream(sizes).map(n -> Math.min(n, max)).filter(n -> n > 0).distinct().boxed().toList();
  }

  /** Whether this profile measures held streams and nothing else. */
  boolean heldStreamsOnly() {
    return rates().isEmpty();
  }

  /** The warm-up of one path: rounds of {@link #warmupRound} until the throughput settles. */
  WarmUp warmUp() {
    return new WarmUp(WARMUP_MIN_ROUNDS, warmupMaxRounds, WARMUP_SETTLE_ROUNDS, WARMUP_TOLERANCE,
        WARMUP_MAX_COMPILING);
  }

  /** The warm-up rule in words, for reports. */
  String warmUpRule() {
    return String.format("at least %d rounds; warm once %d rounds in a row gain no more than %.0f%% over the best "
        + "earlier round while the JIT compilers of the path's JVMs use less than %.0f%% of a core; at most %d rounds",
        WARMUP_MIN_ROUNDS, WARMUP_SETTLE_ROUNDS, WARMUP_TOLERANCE * 100, WARMUP_MAX_COMPILING * 100, warmupMaxRounds);
  }
}
