package io.switchboard.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.bench.load.WarmUp.Sample;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class WarmUpTest {
  private final List<String> progress = new ArrayList<>();

  private WarmUp.Result run(WarmUp warmUp, Sample... samples) throws Exception {
    Iterator<Sample> next = List.of(samples).iterator();
    return warmUp.run(next::next, progress::add);
  }

  private static Sample rps(double rps) {
    return Sample.throughputOnly(rps);
  }

  private static Sample rps(double rps, double compiling) {
    return new Sample(rps, compiling);
  }

  @Test
  void keepsWarmingWhileTheThroughputClimbs_andStopsOnceItIsFlat() throws Exception {
    WarmUp.Result r = run(new WarmUp(3, 12, 2, 0.05, 0.15),
        rps(2_100), rps(4_000), rps(5_300), rps(7_000), rps(7_100), rps(6_900), rps(9_999));

    assertEquals(6, r.rounds().size());
    assertTrue(r.settled());
    assertEquals(6, progress.size());
    assertEquals("warm-up round 1: 2,100 req/s", progress.get(0));
    assertEquals("2,100 → 4,000 → 5,300 → 7,000 → 7,100 → 6,900 req/s, settled after 6 rounds", r.describe());
  }

  /**
   * What the node showed: throughput flat for several rounds while C2 compiled its hot path, then a
   * jump. Flat rounds with the compilers busy do not count as warm.
   */
  @Test
  void aPlateauWhileTheCompilersAreBusyIsNotWarm() throws Exception {
    WarmUp.Result r = run(new WarmUp(3, 12, 2, 0.05, 0.15),
        rps(374, 0.98), rps(1_470, 0.95), rps(1_823, 0.90), rps(1_715, 0.85), rps(1_730, 0.80),
        rps(6_900, 0.40), rps(7_200, 0.10), rps(7_100, 0.05), rps(1, 0));

    // 1,823 is the best of the plateau, but rounds 4 and 5 had the compilers busy; 7,200 is within 5% of
    // 6,900 with the compilers quiet (first flat round), 7,100 the second.
    assertEquals(8, r.rounds().size());
    assertTrue(r.settled());
    assertEquals(7_100, r.rounds().get(7).requestsPerSecond());
    assertTrue(r.describe().startsWith("374 (JIT 98%) → 1,470 (JIT 95%)"), r.describe());
  }

  @Test
  void aFlatPathStillRunsTheMinimumRounds() throws Exception {
    WarmUp.Result r = run(new WarmUp(3, 12, 1, 0.05, 0.15), rps(9_000, 0), rps(9_000, 0), rps(9_000, 0), rps(1));

    assertEquals(3, r.rounds().size());
    assertTrue(r.settled());
  }

  @Test
  void aDipDoesNotCountAsAGain_butAClimbAfterItResetsTheCount() throws Exception {
    // 5,000 best; 3,000 is a dip (flat), 6,000 a gain that starts the count again.
    WarmUp.Result r = run(new WarmUp(1, 12, 2, 0.05, 0.15), rps(5_000), rps(3_000), rps(6_000), rps(6_100), rps(5_900));

    assertEquals(5, r.rounds().size());
    assertTrue(r.settled());
  }

  @Test
  void stopsAtTheMaximumAndSaysItDidNotSettle() throws Exception {
    WarmUp.Result r = run(new WarmUp(1, 3, 2, 0.05, 0.15), rps(1_000), rps(2_000), rps(4_000), rps(8_000));

    assertEquals(3, r.rounds().size());
    assertFalse(r.settled());
    assertTrue(r.describe().endsWith("not settled after 3 rounds"), r.describe());
  }

  @Test
  void refusesRulesThatCannotEnd() {
    assertThrows(IllegalArgumentException.class, () -> new WarmUp(0, 3, 1, 0.05, 0.15));
    assertThrows(IllegalArgumentException.class, () -> new WarmUp(4, 3, 1, 0.05, 0.15));
    assertThrows(IllegalArgumentException.class, () -> new WarmUp(1, 3, 0, 0.05, 0.15));
    assertThrows(IllegalArgumentException.class, () -> new WarmUp(1, 3, 1, -0.1, 0.15));
    assertThrows(IllegalArgumentException.class, () -> new WarmUp(1, 3, 1, 0.05, -1));
  }
}
