package io.switchboard.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class WarmUpTest {
  private final List<String> progress = new ArrayList<>();

  private WarmUp.Result run(WarmUp warmUp, Double... throughputs) throws Exception {
    Iterator<Double> next = List.of(throughputs).iterator();
    return warmUp.run(next::next, progress::add);
  }

  /** The shape the node showed: a cold JVM at a third of its speed, climbing for several rounds. */
  @Test
  void keepsWarmingWhileTheThroughputClimbs_andStopsOnceItIsFlat() throws Exception {
    WarmUp.Result r = run(new WarmUp(3, 12, 2, 0.05), 2_100.0, 4_000.0, 5_300.0, 7_000.0, 7_100.0, 6_900.0, 9_999.0);

    assertEquals(List.of(2_100.0, 4_000.0, 5_300.0, 7_000.0, 7_100.0, 6_900.0), r.rounds());
    assertTrue(r.settled());
    assertEquals(6, progress.size());
    assertEquals("warm-up round 1: 2,100 req/s", progress.get(0));
    assertEquals("2,100 → 4,000 → 5,300 → 7,000 → 7,100 → 6,900 req/s, settled after 6 rounds", r.describe());
  }

  @Test
  void aFlatPathStillRunsTheMinimumRounds() throws Exception {
    WarmUp.Result r = run(new WarmUp(3, 12, 1, 0.05), 9_000.0, 9_000.0, 9_000.0, 1.0);

    assertEquals(3, r.rounds().size());
    assertTrue(r.settled());
  }

  @Test
  void aDipDoesNotCountAsAGain_butAClimbAfterItResetsTheCount() throws Exception {
    // 5,000 best; 3,000 is a dip (no gain), 6,000 a gain that starts the count again.
    WarmUp.Result r = run(new WarmUp(1, 12, 2, 0.05), 5_000.0, 3_000.0, 6_000.0, 6_100.0, 5_900.0);

    assertEquals(5, r.rounds().size());
    assertTrue(r.settled());
  }

  @Test
  void stopsAtTheMaximumAndSaysItWasStillClimbing() throws Exception {
    WarmUp.Result r = run(new WarmUp(1, 3, 2, 0.05), 1_000.0, 2_000.0, 4_000.0, 8_000.0);

    assertEquals(3, r.rounds().size());
    assertFalse(r.settled());
    assertTrue(r.describe().endsWith("still climbing after 3 rounds"), r.describe());
  }

  @Test
  void refusesRulesThatCannotEnd() {
    assertThrows(IllegalArgumentException.class, () -> new WarmUp(0, 3, 1, 0.05));
    assertThrows(IllegalArgumentException.class, () -> new WarmUp(4, 3, 1, 0.05));
    assertThrows(IllegalArgumentException.class, () -> new WarmUp(1, 3, 0, 0.05));
    assertThrows(IllegalArgumentException.class, () -> new WarmUp(1, 3, 1, -0.1));
  }
}
