package io.switchboard.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ArrivalScheduleTest {

  @Test
  void requestsAreDueAtFixedIntervalsFromTheStart() {
    ArrivalSchedule schedule = new ArrivalSchedule(1_000, 1000, Duration.ofSeconds(1));
    assertEquals(1_000, schedule.intendedNanos(0));
    assertEquals(1_000 + 1_000_000, schedule.intendedNanos(1));
    assertEquals(1_000 + 999_000_000, schedule.intendedNanos(999));
  }

  @Test
  void intervalsDoNotDriftAtRatesThatDoNotDivideASecond() {
    ArrivalSchedule schedule = new ArrivalSchedule(0, 3, Duration.ofSeconds(10));
    assertEquals(333_333_333, schedule.intendedNanos(1));
    assertEquals(10_000_000_000L, schedule.intendedNanos(30), "no rounding error accumulates over 30 requests");
  }

  @Test
  void countHoldsTheRequestsDueBeforeTheEnd() {
    assertEquals(5000, new ArrivalSchedule(0, 500, Duration.ofSeconds(10)).count());
    assertEquals(4, new ArrivalSchedule(0, 3, Duration.ofMillis(1001)).count());
    assertEquals(0, new ArrivalSchedule(0, 100, Duration.ZERO).count());
  }

  @Test
  void lastDueAtFindsHowFarBehindASenderIs() {
    ArrivalSchedule schedule = new ArrivalSchedule(100, 1000, Duration.ofSeconds(1));
    assertEquals(-1, schedule.lastDueAt(99));
    assertEquals(0, schedule.lastDueAt(100));
    assertEquals(0, schedule.lastDueAt(100 + 999_999));
    assertEquals(1, schedule.lastDueAt(100 + 1_000_000));
    assertEquals(999, schedule.lastDueAt(100 + 5_000_000_000L), "never past the end of the schedule");
  }

  @Test
  void ofCount_holdsExactlyThatManyArrivals_evenWhenTheRateDoesNotDivideASecond() {
    assertEquals(10_000, ArrivalSchedule.ofCount(0, 10_000, 1000).count());
    assertEquals(7, ArrivalSchedule.ofCount(0, 7, 3).count());
    assertEquals(7, ArrivalSchedule.ofCount(0, 7, 0.5).count());
  }

  @Test
  void awaitDue_returnsOnlyOnceTheRequestIsDue_andAtOnceWhenItIsLate() {
    long start = System.nanoTime();
    ArrivalSchedule schedule = new ArrivalSchedule(start, 100, Duration.ofSeconds(1));

    assertTrue(schedule.awaitDue(2) >= start + 20_000_000, "request 2 of 100/s is due 20 ms after the start");
    long late = System.nanoTime();
    assertTrue(schedule.awaitDue(0) - late < 5_000_000, "a request already due does not wait");
  }

  @Test
  void rejectsRatesThatCannotBeScheduled() {
    assertThrows(IllegalArgumentException.class, () -> new ArrivalSchedule(0, 0, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> new ArrivalSchedule(0, Double.NaN, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> new ArrivalSchedule(0, 10, Duration.ofSeconds(-1)));
  }
}
