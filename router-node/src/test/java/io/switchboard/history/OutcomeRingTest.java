package io.switchboard.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.switchboard.ManualClock;
import java.lang.reflect.Field;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class OutcomeRingTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-06T06:00:00Z"));

  private Outcome ok(long latency) {
    clock.advance(Duration.ofMillis(10));
    return new Outcome(clock.millis(), latency, -1, 0, null, null);
  }

  @Test
  void hundredThousandOutcomes_keepTheLatestThousandInArraysThatNeverGrow() throws Exception {
    OutcomeRing ring = new OutcomeRing(1000);
    List<Object> arraysBefore = arrays(ring);
    for (int i = 0; i < 100_000; i++) ring.add(ok(i));

    assertEquals(1000, ring.size());
    assertEquals(1000, ring.summary().outcomes());
    // The newest is the 100,000th outcome, the oldest kept the 99,001st.
    assertEquals(99_999, ring.latest(1).get(0).latencyMillis());
    assertEquals(99_000, ring.oldestFirst().get(0).latencyMillis());
    // Memory is constant: the very same arrays, still of the configured length.
    List<Object> arraysAfter = arrays(ring);
    for (int i = 0; i < arraysBefore.size(); i++) {
      assertSame(arraysBefore.get(i), arraysAfter.get(i));
      assertEquals(1000, java.lang.reflect.Array.getLength(arraysAfter.get(i)));
    }
  }

  @Test
  void summary_givesPercentilesErrorRatePaceAndCostOverSuccesses() {
    OutcomeRing ring = new OutcomeRing(1000);
    // 100 successes with latencies 1..100 ms, streamed with first token at latency / 2, 50 tokens/s, $0.002 each.
    for (int i = 1; i <= 100; i++) {
      clock.advance(Duration.ofSeconds(1));
      ring.add(new Outcome(clock.millis(), i, i / 2, 50, null, new BigDecimal("0.002")));
    }
    // 25 failures: slow, and not counted in the latency figures.
    for (int i = 0; i < 25; i++) ring.add(new Outcome(clock.millis(), 30_000, -1, 0, "provider_error", null));

    HistorySummary s = ring.summary();
    assertEquals(125, s.outcomes());
    assertEquals(0.2, s.errorRate(), 1e-9);
    assertEquals(50, s.latencyP50Millis());
    assertEquals(90, s.latencyP90Millis());
    assertEquals(99, s.latencyP99Millis());
    assertEquals(25, s.firstTokenP50Millis());
    assertEquals(50, s.outputTokensPerSecond(), 1e-9);
    assertEquals(0.002, s.meanCostUsd(), 1e-12);
  }

  @Test
  void summary_followsTheWindowAsOldOutcomesAreOverwritten() {
    OutcomeRing ring = new OutcomeRing(10);
    for (int i = 0; i < 10; i++) ring.add(new Outcome(clock.millis(), 100, -1, 0, "rate_limited", null));
    assertEquals(1.0, ring.summary().errorRate(), 1e-9);

    for (int i = 0; i < 10; i++) ring.add(ok(20));

    assertEquals(0.0, ring.summary().errorRate(), 1e-9);
    assertEquals(20, ring.summary().latencyP99Millis());
  }

  @Test
  void latest_isNewestFirstAndKeepsErrorKindsAndUnknownCost() {
    OutcomeRing ring = new OutcomeRing(5);
    ring.add(new Outcome(1, 10, -1, 0, null, new BigDecimal("0.5")));
    ring.add(new Outcome(2, 20, -1, 0, "rate_limited", null));
    ring.add(new Outcome(3, 30, 5, 12.5, null, null));

    List<Outcome> latest = ring.latest(10);

    assertEquals(List.of(3L, 2L, 1L), latest.stream().map(Outcome::atEpochMillis).toList());
    assertEquals("rate_limited", latest.get(1).error());
    assertNull(latest.get(0).costUsd());
    assertEquals(0, new BigDecimal("0.5").compareTo(latest.get(2).costUsd()));
    assertEquals(12.5, latest.get(0).outputTokensPerSecond(), 1e-6);
  }

  @Test
  void snapshot_restoresTheSameOutcomesIntoAFreshRing() {
    OutcomeRing ring = new OutcomeRing(100);
    for (int i = 0; i < 150; i++) {
      ring.add(i % 7 == 0 ? new Outcome(clock.millis(), i, -1, 0, "provider_error", null)
          : new Outcome(clock.millis(), i, i / 3, i, null, BigDecimal.valueOf(i, 4)));
    }
    OutcomeRing restored = new OutcomeRing(100);
    HistorySnapshot.of(ring).restoreInto(restored);

    assertEquals(ring.latest(100), restored.latest(100));
    assertEquals(ring.summary(), restored.summary());
  }

  @Test
  void manyDistinctErrorKinds_areCappedIntoOther() {
    OutcomeRing ring = new OutcomeRing(200);
    for (int i = 0; i < 200; i++) ring.add(new Outcome(i, 1, -1, 0, "kind-" + i, null));

    assertEquals("other", ring.latest(1).get(0).error());
    assertEquals("kind-0", ring.oldestFirst().get(0).error());
  }

  private static List<Object> arrays(OutcomeRing ring) throws IllegalAccessException {
    List<Object> arrays = new ArrayList<>();
    for (Field f : OutcomeRing.class.getDeclaredFields()) {
      if (f.getType().isArray()) {
        f.setAccessible(true);
        arrays.add(f.get(ring));
      }
    }
    return arrays;
  }
}
