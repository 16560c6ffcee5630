package io.switchboard.bench.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.BitSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The heavy tail is the share asked for, the same calls for the same seed, independent across seeds. */
@Tag("unit")
class UpstreamLatencyTest {
  private static final int CALLS = 200_000;

  private static BitSet tail(UpstreamLatency latency) {
    BitSet slow = new BitSet(CALLS);
    for (int call = 0; call < CALLS; call++) if (latency.inTail(call)) slow.set(call);
    return slow;
  }

  private static UpstreamLatency fivePercent(long seed) {
    return new UpstreamLatency(Duration.ofMillis(50), 0.05, Duration.ofSeconds(2), seed);
  }

  @Test
  void tailShare_isTheShareOfCallsDelayed() {
    for (double share : new double[] {0.01, 0.05, 0.5}) {
      int slow = tail(new UpstreamLatency(Duration.ZERO, share, Duration.ofSeconds(2), 7)).cardinality();
      // Binomial: three standard deviations of 200,000 draws are at most 0.34 percentage points.
      assertEquals(share, (double) slow / CALLS, 0.0034, "share " + share);
    }
  }

  @Test
  void sameSeed_delaysTheSameCalls_anotherSeedOthers() {
    BitSet first = tail(fivePercent(1));
    assertEquals(first, tail(fivePercent(1)));
    BitSet second = tail(fivePercent(2));
    assertNotEquals(first, second);
    // Independent upstreams are both slow for about 5% x 5% = 0.25% of call numbers, not 5%.
    BitSet both = (BitSet) first.clone();
    both.and(second);
    assertEquals(0.0025, (double) both.cardinality() / CALLS, 0.0012);
  }

  @Test
  void slowCallsAreNotBunched_neighboursAreAsLikelySlowAsAnyCall() {
    BitSet slow = tail(fivePercent(3));
    int slowAfterSlow = 0;
    for (int call = slow.nextSetBit(0); call >= 0 && call + 1 < CALLS; call = slow.nextSetBit(call + 1)) {
      if (slow.get(call + 1)) slowAfterSlow++;
    }
    assertEquals(0.05, (double) slowAfterSlow / slow.cardinality(), 0.015);
  }

  @Test
  void delayOf_isTheBase_plusTheTailDelayForASlowCall() {
    UpstreamLatency latency = fivePercent(1);
    int slowCall = tail(latency).nextSetBit(0);
    int quickCall = tail(latency).nextClearBit(0);
    assertEquals(Duration.ofMillis(2050), latency.delayOf(slowCall));
    assertEquals(Duration.ofMillis(50), latency.delayOf(quickCall));
  }

  @Test
  void none_delaysNothing_soTheUpstreamAnswersAtOnceAsBefore() {
    assertEquals(0, tail(UpstreamLatency.NONE).cardinality());
    assertEquals(Duration.ZERO, UpstreamLatency.NONE.delayOf(12));
    assertEquals(CALLS, tail(new UpstreamLatency(Duration.ZERO, 1.0, Duration.ofMillis(1), 1)).cardinality());
  }

  @Test
  void rejectsAShareOutside0To1_andNegativeDelays() {
    assertThrows(IllegalArgumentException.class, () -> new UpstreamLatency(Duration.ZERO, 1.5, Duration.ZERO, 1));
    assertThrows(IllegalArgumentException.class, () -> new UpstreamLatency(Duration.ZERO, Double.NaN, Duration.ZERO, 1));
    assertThrows(IllegalArgumentException.class, () -> new UpstreamLatency(Duration.ofMillis(-1), 0, Duration.ZERO, 1));
    assertThrows(IllegalArgumentException.class, () -> new UpstreamLatency(Duration.ZERO, 0.1, Duration.ofMillis(-1), 1));
  }
}
