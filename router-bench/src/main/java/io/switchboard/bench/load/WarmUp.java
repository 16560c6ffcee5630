package io.switchboard.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Warms a path until its throughput stops climbing, instead of for a fixed time. A JVM on the path
 * (the node, the fake upstream) runs interpreted and then C1-compiled code for tens of seconds before
 * its hot path is fully compiled, and how long depends on how much code the path has and how busy the
 * machine is: a fixed warm-up that was enough for one build measured the next one cold.
 *
 * <p>Rounds run one after another; the path counts as warm once {@link #settleRounds} rounds in a row
 * were flat: they failed to beat the best earlier round by more than {@link #tolerance}, and the
 * path's JIT compilers used at most {@link #maxCompiling} of a core during them. Throughput alone is
 * not enough: while the optimizing compiler works through a large hot path, throughput can stay flat
 * for tens of seconds and then double. Noise downwards does not prolong the warm-up; noise upwards can,
 * up to {@link #maxRounds}.
 */
public final class WarmUp {
  /**
   * What one round showed: its throughput, and the CPU the path's JIT compiler threads used during it
   * as a share of one core (0.5 = half a core), or NaN when that is not known.
   */
  public record Sample(double requestsPerSecond, double compiling) {
    public static Sample throughputOnly(double requestsPerSecond) {
      return new Sample(requestsPerSecond, Double.NaN);
    }

    /** e.g. {@code 1,730 (JIT 85%)}. */
    String describe() {
      return String.format("%,.0f", requestsPerSecond)
          + (Double.isNaN(compiling) ? "" : String.format(" (JIT %.0f%%)", compiling * 100));
    }
  }

  /** One warm-up round: runs load for a while and says what it saw. */
  @FunctionalInterface
  public interface Round {
    Sample run() throws Exception;
  }

  /** Every round, in order, and whether the path settled before the last allowed round. */
  public record Result(List<Sample> rounds, boolean settled) {
    /** e.g. {@code 374 (JIT 98%) → 1,730 (JIT 85%) → 7,120 (JIT 4%) req/s, settled after 3 rounds}. */
    public String describe() {
      StringBuilder text = new StringBuilder();
      for (Sample r : rounds) {
        if (text.length() > 0) text.append(" → ");
        text.append(r.describe());
      }
      return text.append(" req/s, ").append(settled ? "settled after " : "not settled after ")
          .append(rounds.size()).append(rounds.size() == 1 ? " round" : " rounds").toString();
    }
  }

  private final int minRounds;
  private final int maxRounds;
  private final int settleRounds;
  private final double tolerance;
  private final double maxCompiling;

  /**
   * @param minRounds rounds always run, however flat they are
   * @param maxRounds rounds at most, settled or not
   * @param settleRounds rounds in a row without a gain over the best earlier round that count as warm
   * @param tolerance the relative gain (0.05 = 5%) that still counts as no gain
   * @param maxCompiling the share of one core the JIT compilers may use in a round that counts as flat
   */
  public WarmUp(int minRounds, int maxRounds, int settleRounds, double tolerance, double maxCompiling) {
    if (minRounds < 1 || maxRounds < minRounds || settleRounds < 1 || tolerance < 0 || maxCompiling < 0) {
      throw new IllegalArgumentException(
          "warm-up needs 1 <= minRounds <= maxRounds, settleRounds >= 1, tolerance >= 0, maxCompiling >= 0");
    }
    this.minRounds = minRounds;
    this.maxRounds = maxRounds;
    this.settleRounds = settleRounds;
    this.tolerance = tolerance;
    this.maxCompiling = maxCompiling;
  }

  /** Runs rounds until the path settles or {@code maxRounds} ran; {@code progress} hears each round. */
  public Result run(Round round, Consumer<String> progress) throws Exception {
    List<Sample> rounds = new ArrayList<>();
    double best = 0;
    int flat = 0;
    while (rounds.size() < maxRounds) {
      Sample sample = round.run();
      boolean gain = rounds.isEmpty() || sample.requestsPerSecond() > best * (1 + tolerance);
      boolean compiling = sample.compiling() > maxCompiling; // NaN (not known) counts as not compiling
      flat = gain || compiling ? 0 : flat + 1;
      best = Math.max(best, sample.requestsPerSecond());
      rounds.add(sample);
      progress.accept("warm-up round " + rounds.size() + ": " + sample.describe() + " req/s");
      if (rounds.size() >= minRounds && flat >= settleRounds) return new Result(List.copyOf(rounds), true);
    }
    return new Result(List.copyOf(rounds), false);
  }
}
