package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.ManualClock;
import io.switchboard.config.BalancingSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Latency balancing (power of two choices over moving averages), driven by a manual clock and seeded
 * random: unsampled deployments are tried first, the faster one wins, a failure counts as slow, and a
 * slow deployment that became fast wins its traffic back through a probe.
 */
@Tag("unit")
class LatencyBalancingTest {
  private static final BalancingSettings SETTINGS =
      new BalancingSettings(Duration.ofMillis(200), 0.5, Duration.ofSeconds(10), Duration.ofSeconds(30));

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));

  private static LatencyEstimate[] estimates(int n) {
    LatencyEstimate[] estimates = new LatencyEstimate[n];
    for (int i = 0; i < n; i++) estimates[i] = new LatencyEstimate(SETTINGS);
    return estimates;
  }

  private LatencyBalancing strategy(LatencyEstimate[] estimates) {
    return new LatencyBalancing(estimates, new SplittableRandom(11), clock);
  }

  @Test
  void average_blendsSamplesBySmoothing_andAFailureCountsAsThePenalty() {
    LatencyEstimate e = new LatencyEstimate(SETTINGS);
    assertTrue(Double.isNaN(e.averageMillis()));

    e.observe(100, clock.millis());
    e.observe(200, clock.millis());
    assertEquals(150, e.averageMillis(), 1e-9);

    e.failed(5, clock.millis());
    assertEquals(150 + 0.5 * (30_000 - 150), e.averageMillis(), 1e-9);
    e.failed(60_000, clock.millis());
    assertTrue(e.averageMillis() > 30_000, "a failure slower than the penalty counts as its own time");
  }

  @Test
  void unsampledDeployments_eachGetOneProbeFirst() {
    LatencyEstimate[] estimates = estimates(3);
    LatencyBalancing strategy = strategy(estimates);

    Set<Integer> probed = new HashSet<>();
    for (int i = 0; i < 3; i++) probed.add(strategy.choose());

    assertEquals(Set.of(0, 1, 2), probed);
    assertFalse(estimates[0].claimProbe(clock.millis()), "one probe per deployment until probe-after passes");
  }

  @Test
  void fasterDeployment_isPreferred_andTheSlowestOfThreeNeverChosen() {
    LatencyEstimate[] estimates = estimates(3);
    estimates[0].observe(100, clock.millis());
    estimates[1].observe(300, clock.millis());
    estimates[2].observe(900, clock.millis());
    LatencyBalancing strategy = strategy(estimates);

    int[] counts = new int[3];
    for (int i = 0; i < 30_000; i++) counts[strategy.choose()]++;

    // Pairs are {0,1}, {0,2}, {1,2} equally often; the faster of each pair wins.
    assertEquals(2.0 / 3, counts[0] / 30_000.0, 0.02);
    assertEquals(1.0 / 3, counts[1] / 30_000.0, 0.02);
    assertEquals(0, counts[2]);
  }

  @Test
  void ofTwo_theFasterAlwaysWins_andAFailingOneLoses() {
    LatencyEstimate[] estimates = estimates(2);
    estimates[0].observe(100, clock.millis());
    estimates[1].observe(400, clock.millis());
    LatencyBalancing strategy = strategy(estimates);
    for (int i = 0; i < 100; i++) assertEquals(0, strategy.choose());

    estimates[0].failed(100, clock.millis());
    for (int i = 0; i < 100; i++) assertEquals(1, strategy.choose());
  }

  @Test
  void slowDeploymentThatBecomesFast_winsItsTrafficBack_afterOneProbe() {
    LatencyEstimate[] estimates = estimates(2);
    LatencyBalancing strategy = strategy(estimates);
    long[] trueLatency = {200, 2_000};
    int[] servedAfterChange = new int[2];
    for (int request = 0; request < 600; request++) {
      if (request == 100) trueLatency[1] = 50;
      int chosen = strategy.choose();
      if (request >= 100) servedAfterChange[chosen]++;
      // One request every 100 ms, each answered before the next is routed.
      clock.advance(Duration.ofMillis(100));
      estimates[chosen].observe(trueLatency[chosen], clock.millis());
    }

    // Deployment 1 was last sampled before request 2; it is probed once probe-after (10 s, 100 requests)
    // has passed, its fast sample replaces the stale average, and from then on it wins every pair.
    assertTrue(servedAfterChange[1] >= 490, "served by the now-fast deployment: " + servedAfterChange[1]);
    assertTrue(estimates[1].averageMillis() < estimates[0].averageMillis());
  }

  @Test
  void deploymentWhoseProbeIsStillOut_countsAsSlowerThanAnyMeasuredOne() {
    LatencyEstimate[] estimates = estimates(2);
    estimates[0].observe(5_000, clock.millis());
    LatencyBalancing strategy = strategy(estimates);

    assertEquals(1, strategy.choose(), "the unmeasured one is probed");
    for (int i = 0; i < 100; i++) assertEquals(0, strategy.choose(), "no burst onto it before its probe answers");
  }
}
