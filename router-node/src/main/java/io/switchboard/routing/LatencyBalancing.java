package io.switchboard.routing;

import java.time.Clock;
import java.util.random.RandomGenerator;

/**
 * Latency-aware choice with the power of two choices: two distinct deployments drawn at random, the
 * one with the lower {@link LatencyEstimate} first. Comparing two rather than taking the fastest of all
 * keeps a herd of requests from piling onto one deployment between samples, while still steering most
 * traffic to the faster ones.
 *
 * <p>Exploration comes first: a deployment that has never been measured, or not for
 * {@code balancing.latency.probe-after}, gets one request (a claimed probe), so a new deployment is
 * measured and a slow one that became fast wins its traffic back. Until its probe answers, a
 * deployment without a sample counts as slower than any measured one.
 */
final class LatencyBalancing implements BalancingStrategy {
  private final LatencyEstimate[] estimates;
  private final RandomGenerator random;
  private final Clock clock;

  LatencyBalancing(LatencyEstimate[] estimates, RandomGenerator random, Clock clock) {
    if (estimates.length < 2) throw new IllegalArgumentException("choosing needs two deployments");
    this.estimates = estimates.clone();
    this.random = random;
    this.clock = clock;
  }

  @Override
  public int choose() {
    int n = estimates.length;
    long now = clock.millis();
    // Start the probe search at a random deployment, so none is favoured when several want one.
    int start = random.nextInt(n);
    for (int k = 0; k < n; k++) {
      int i = start + k < n ? start + k : start + k - n;
      if (estimates[i].claimProbe(now)) return i;
    }
    int a = random.nextInt(n);
    int b = random.nextInt(n - 1);
    if (b >= a) b++;
    return score(b) < score(a) ? b : a;
  }

  private double score(int i) {
    double average = estimates[i].averageMillis();
    return Double.isNaN(average) ? Double.POSITIVE_INFINITY : average;
  }
}
