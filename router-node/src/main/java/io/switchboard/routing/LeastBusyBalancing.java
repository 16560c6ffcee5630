package io.switchboard.routing;

import java.util.random.RandomGenerator;

/**
 * The deployment whose provider has the fewest requests in flight or queued, as {@link LoadView} sees
 * them; ties (two idle providers, or two deployments of one provider) are broken at random so they
 * share the traffic. The pick is counted in the view at once, so this node's next request already
 * sees it.
 *
 * <p>Queued requests count because they are about to be in flight: a provider at its in-flight limit
 * with a queue is busier than one at the limit without.
 */
final class LeastBusyBalancing implements BalancingStrategy {
  private final int[] slots;
  private final LoadView load;
  private final RandomGenerator random;

  /** @param slots each deployment's provider slot in {@code load} */
  LeastBusyBalancing(int[] slots, LoadView load, RandomGenerator random) {
    this.slots = slots.clone();
    this.load = load;
    this.random = random;
  }

  @Override
  public int choose() {
    int best = 0;
    long bestLoad = Long.MAX_VALUE;
    int ties = 0;
    for (int i = 0; i < slots.length; i++) {
      long l = load.load(slots[i]);
      if (l < bestLoad) {
        best = i;
        bestLoad = l;
        ties = 1;
      } else if (l == bestLoad && random.nextInt(++ties) == 0) {
        // Each of the k tied deployments ends up chosen with probability 1/k.
        best = i;
      }
    }
    load.picked(slots[best]);
    return best;
  }
}
