package io.switchboard.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The generator's lateness: the worst of the last two seconds of writes, and none once writing stops. */
@Tag("unit")
class LatenessTest {
  @Test
  void theWorstWriteOfTheLastTwoSecondsCounts() {
    Lateness late = new Lateness();
    late.written(1_000, 7_500);   // a backlog of 6.5 s
    late.written(7_000, 7_600);
    assertEquals(6_500, late.recentMillis(7_900));
    late.written(8_000, 8_010);
    assertEquals(6_500, late.recentMillis(8_100), "the second before still counts");
    late.written(9_000, 9_020);
    assertEquals(20, late.recentMillis(9_100), "caught up: the backlog's second has passed");
  }

  @Test
  void aWriteReportedOutOfOrder_countsForItsOwnSecond() {
    Lateness late = new Lateness();
    late.written(5_000, 5_010);
    late.written(3_000, 4_900);   // reported after a later one, written in the second before
    assertEquals(1_900, late.recentMillis(5_500));
    late.written(1_000, 3_100);   // two seconds back: no longer recent
    assertEquals(1_900, late.recentMillis(5_500));
  }

  @Test
  void nothingWritten_isNotCaughtUp() {
    Lateness late = new Lateness();
    assertEquals(Lateness.NONE, late.recentMillis(1_000));
    late.written(1_000, 1_005);
    assertEquals(Lateness.NONE, late.recentMillis(3_000), "two seconds without a write");
  }

  @Test
  void aRequestWrittenEarly_isNotLate() {
    Lateness late = new Lateness();
    late.written(2_000, 1_990);
    assertEquals(0, late.recentMillis(1_995));
  }
}
