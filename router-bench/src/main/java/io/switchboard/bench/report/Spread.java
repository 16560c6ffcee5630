package io.switchboard.bench.report;

import java.util.List;
import java.util.Locale;

/**
 * One figure of one target over several rounds of the same run: its median and the range the rounds
 * covered. On a shared machine the range is the run's own noise, so two targets differ only when their
 * ranges do not overlap: a median lower than another's inside overlapping ranges says nothing.
 */
public record Spread(double median, double min, double max, int rounds) {

  /** Whether a figure of one target stands clear of another's over the rounds. */
  public enum Verdict {
    /** Every round of this target was above every round of the other. */
    HIGHER,
    /** Every round of this target was below every round of the other. */
    LOWER,
    /** The ranges overlap: the difference is within the run's noise. */
    WITHIN_SPREAD,
    /** One of the two has fewer than two rounds: no range to judge a difference by. */
    NO_SPREAD
  }

  /** The spread of the values; NaN values (a round that measured nothing) are left out. */
  public static Spread of(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).filter(v -> !Double.isNaN(v)).sorted().toArray();
    int n = sorted.length;
    if (n == 0) return new Spread(Double.NaN, Double.NaN, Double.NaN, 0);
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    return new Spread(median, sorted[0], sorted[n - 1], n);
  }

  public boolean isEmpty() {
    return rounds == 0;
  }

  /** This target's rounds against {@code other}'s. */
  public Verdict against(Spread other) {
    if (rounds < 2 || other.rounds < 2) return Verdict.NO_SPREAD;
    if (min > other.max) return Verdict.HIGHER;
    if (max < other.min) return Verdict.LOWER;
    return Verdict.WITHIN_SPREAD;
  }

  /** The median's change against {@code other}'s median, as a share of it: 0.05 = 5% higher. */
  public double changeOver(Spread other) {
    return other.median == 0 ? Double.NaN : median / other.median - 1;
  }

  /** {@code 263 (250–270)}, the median then the range; a dash when nothing was measured. */
  public String describe(int decimals) {
    if (isEmpty()) return "–";
    if (rounds == 1) return MarkdownTable.num(median, decimals);
    return MarkdownTable.num(median, decimals) + " (" + MarkdownTable.num(min, decimals) + "–"
        + MarkdownTable.num(max, decimals) + ")";
  }

  /**
   * This target against a base in one sentence, e.g. {@code 263 µs against 270 µs (−2.6%): the ranges
   * overlap, within the run's spread}.
   */
  public String comparedWith(Spread base, int decimals, String unit) {
    if (isEmpty() || base.isEmpty()) return "not measured";
    String change = String.format(Locale.ROOT, "%+.1f%%", changeOver(base) * 100).replace('-', '−');
    String verdict = switch (against(base)) {
      case HIGHER -> "higher in every round, beyond the run's spread";
      case LOWER -> "lower in every round, beyond the run's spread";
      case WITHIN_SPREAD -> "the ranges overlap, within the run's spread";
      case NO_SPREAD -> "fewer than two rounds, no spread to judge it by";
    };
    return MarkdownTable.num(median, decimals) + unit + " against " + MarkdownTable.num(base.median, decimals) + unit
        + " (" + change + "): " + verdict;
  }
}
