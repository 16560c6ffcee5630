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
 * failed to beat the best earlier round by more than {@link #tolerance}. Noise downwards does not
 * prolong the warm-up; noise upwards can, up to {@link #maxRounds}.
 */
public final class WarmUp {
  /** One warm-up round: runs load for a while and answers its throughput in requests per second. */
  @FunctionalInterface
  public interface Round {
    double run() throws Exception;
  }

  /** The throughput of every round, in order, and whether it settled before the last allowed round. */
  public record Result(List<Double> rounds, boolean settled) {
    /** e.g. {@code 2,110 → 5,320 → 7,004 → 7,120 req/s, settled after 4 rounds}. */
    public String describe() {
      StringBuilder text = new StringBuilder();
      for (double r : rounds) {
        if (text.length() > 0) text.append(" → ");
        text.append(String.format("%,.0f", r));
      }
      return text.append(" req/s, ").append(settled ? "settled after " : "still climbing after ")
          .append(rounds.size()).append(rounds.size() == 1 ? " round" : " rounds").toString();
    }
  }

  private final int minRounds;
  private final int maxRounds;
  private final int settleRounds;
  private final double tolerance;

  /**
   * @param minRounds rounds always run, however flat they are
   * @param maxRounds rounds at most, settled or not
   * @param settleRounds rounds in a row without a gain over the best earlier round that count as warm
   * @param tolerance the relative gain (0.05 = 5%) that still counts as no gain
   */
  public WarmUp(int minRounds, int maxRounds, int settleRounds, double tolerance) {
    if (minRounds < 1 || maxRounds < minRounds || settleRounds < 1 || tolerance < 0) {
      throw new IllegalArgumentException("warm-up needs 1 <= minRounds <= maxRounds, settleRounds >= 1, tolerance >= 0");
    }
    this.minRounds = minRounds;
    this.maxRounds = maxRounds;
    this.settleRounds = settleRounds;
    this.tolerance = tolerance;
  }

  /** Runs rounds until the throughput settles or {@code maxRounds} ran; {@code progress} hears each round. */
  public Result run(Round round, Consumer<String> progress) throws Exception {
    List<Double> rounds = new ArrayList<>();
    double best = 0;
    int withoutGain = 0;
    while (rounds.size() < maxRounds) {
      double rps = round.run();
      boolean gain = rounds.isEmpty() || rps > best * (1 + tolerance);
      withoutGain = gain ? 0 : withoutGain + 1;
      best = Math.max(best, rps);
      rounds.add(rps);
      progress.accept(String.format("warm-up round %d: %,.0f req/s", rounds.size(), rps));
      if (rounds.size() >= minRounds && withoutGain >= settleRounds) return new Result(List.copyOf(rounds), true);
    }
    return new Result(List.copyOf(rounds), false);
  }
}
