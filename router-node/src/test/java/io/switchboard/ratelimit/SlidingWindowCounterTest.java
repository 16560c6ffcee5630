package io.switchboard.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Counting events over a sliding window of fixed sub-buckets. */
@Tag("unit")
class SlidingWindowCounterTest {
  private static final long T0 = 1_700_000_000_000L;

  @Test
  void eventsCount_untilTheyLeaveTheWindow() {
    SlidingWindowCounter counter = new SlidingWindowCounter(Duration.ofSeconds(10), 10);
    counter.add(T0, 3);
    counter.add(T0 + 4_000, 2);

    assertEquals(5, counter.sum(T0 + 4_000));
    assertEquals(5, counter.sum(T0 + 9_999));
    assertEquals(2, counter.sum(T0 + 10_000));
    assertEquals(0, counter.sum(T0 + 14_000));
  }

  @Test
  void aReusedSlot_startsFromZero() {
    SlidingWindowCounter counter = new SlidingWindowCounter(Duration.ofSeconds(1), 2);
    counter.add(T0, 7);
    counter.add(T0 + 1_000, 1);

    assertEquals(1, counter.sum(T0 + 1_000));
  }

  @Test
  void eventsFromTheFuture_doNotCountYet_andClearForgetsAll() {
    SlidingWindowCounter counter = new SlidingWindowCounter(Duration.ofSeconds(10), 5);
    counter.add(T0 + 5_000, 1);
    assertEquals(0, counter.sum(T0));

    counter.add(T0, 4);
    counter.clear();
    assertEquals(0, counter.sum(T0 + 5_000));
  }

  @Test
  void invalidShapes_areRefused() {
    assertThrows(IllegalArgumentException.class, () -> new SlidingWindowCounter(Duration.ofSeconds(1), 0));
    assertThrows(IllegalArgumentException.class, () -> new SlidingWindowCounter(Duration.ofMillis(3), 4));
  }
}
