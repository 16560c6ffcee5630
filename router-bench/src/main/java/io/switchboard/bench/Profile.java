package io.switchboard.bench;

import java.time.Duration;
import java.util.List;

/**
 * How long and how hard one run measures. {@code quick} checks the harness in a few minutes;
 * {@code full} is what docs/benchmarks.md records.
 */
record Profile(
    String name, Duration warmup, Duration measure, List<Integer> rates, Duration saturation,
    int saturationConnections, double streamRate, List<Integer> heldStreams) {

  static Profile named(String name, int maxStreams) {
    return switch (name) {
      case "quick" -> new Profile("quick", Duration.ofSeconds(3), Duration.ofSeconds(8), List.of(500, 1000),
          Duration.ofSeconds(8), 64, 200, List.of(Math.min(1000, maxStreams)));
      case "full" -> new Profile("full", Duration.ofSeconds(5), Duration.ofSeconds(20), List.of(500, 1000, 5000),
          Duration.ofSeconds(20), 64, 200, List.of(Math.min(1000, maxStreams), Math.min(10_000, maxStreams)));
      default -> throw new IllegalArgumentException("profile must be quick or full, was " + name);
    };
  }
}
