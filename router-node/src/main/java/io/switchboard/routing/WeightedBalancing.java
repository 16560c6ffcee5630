package io.switchboard.routing;

import java.util.random.RandomGenerator;

/**
 * Each deployment first in proportion to its weight, drawn independently per request: over many
 * requests the shares match the weights, without the bursts of a round robin that sends a heavy
 * deployment several requests in a row. A weight of 0 makes a deployment a fallback only.
 */
final class WeightedBalancing implements BalancingStrategy {
  /** Running totals of the weights: deployment i is chosen for draws in [upTo[i-1], upTo[i]). */
  private final long[] upTo;
  private final long total;
  private final RandomGenerator random;

  WeightedBalancing(int[] weights, RandomGenerator random) {
    this.upTo = new long[weights.length];
    long sum = 0;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] < 0) throw new IllegalArgumentException("weight must not be negative");
      sum += weights[i];
      upTo[i] = sum;
    }
    if (sum == 0) throw new IllegalArgumentException("at least one weight must be above 0");
    this.total = sum;
    this.random = random;
  }

  @Override
  public int choose() {
    long draw = random.nextLong(total);
    // A handful of deployments per alias: a linear scan beats a binary search here.
    for (int i = 0; i < upTo.length; i++) {
      if (draw < upTo[i]) return i;
    }
    return upTo.length - 1;
  }
}
