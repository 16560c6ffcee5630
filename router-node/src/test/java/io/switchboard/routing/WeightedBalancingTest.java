package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Weighted balancing: first choices in proportion to the weights, a weight of 0 never first. */
@Tag("unit")
class WeightedBalancingTest {
  private static final int DRAWS = 40_000;

  private static int[] counts(WeightedBalancing strategy, int deployments) {
    int[] counts = new int[deployments];
    for (int i = 0; i < DRAWS; i++) counts[strategy.choose()]++;
    return counts;
  }

  @Test
  void choices_followTheWeights_withinOnePercent() {
    int[] counts = counts(new WeightedBalancing(new int[] {3, 1, 0, 4}, new SplittableRandom(42)), 4);

    assertEquals(3.0 / 8, counts[0] / (double) DRAWS, 0.01);
    assertEquals(1.0 / 8, counts[1] / (double) DRAWS, 0.01);
    assertEquals(0, counts[2], "a weight of 0 is a fallback only");
    assertEquals(4.0 / 8, counts[3] / (double) DRAWS, 0.01);
  }

  @Test
  void equalWeights_shareEvenly_whateverTheSeed() {
    for (long seed = 1; seed <= 5; seed++) {
      int[] counts = counts(new WeightedBalancing(new int[] {1, 1}, new SplittableRandom(seed)), 2);
      assertEquals(0.5, counts[0] / (double) DRAWS, 0.01, "seed " + seed);
    }
  }

  @Test
  void choices_areTheSameForTheSameSeed() {
    WeightedBalancing one = new WeightedBalancing(new int[] {2, 5, 1}, new SplittableRandom(7));
    WeightedBalancing two = new WeightedBalancing(new int[] {2, 5, 1}, new SplittableRandom(7));
    for (int i = 0; i < 100; i++) assertEquals(one.choose(), two.choose());
  }

  @Test
  void noPositiveWeight_orANegativeOne_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> new WeightedBalancing(new int[] {0, 0}, new SplittableRandom(1)));
    assertThrows(IllegalArgumentException.class, () -> new WeightedBalancing(new int[] {2, -1}, new SplittableRandom(1)));
  }
}
