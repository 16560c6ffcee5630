package io.switchboard.bench.coldstart;

import java.util.ArrayList;
import java.util.List;

/**
 * The order of a run's fresh starts: rounds of one start per variant, every other round reversed
 * (A B C, C B A, A B C, ...). On a shared machine whose load drifts over the run, each variant then
 * sits as often early as late, and no variant always follows the same neighbour.
 */
public final class StartOrder {
  private StartOrder() {}

  /** {@code starts} starts of each variant, interleaved. */
  public static <T> List<T> of(List<T> variants, int starts) {
    if (starts < 1) throw new IllegalArgumentException("starts must be at least 1, was " + starts);
    List<T> order = new ArrayList<>(variants.size() * starts);
    for (int round = 0; round < starts; round++) {
      for (int i = 0; i < variants.size(); i++) {
        order.add(variants.get(round % 2 == 0 ? i : variants.size() - 1 - i));
      }
    }
    return order;
  }
}
