package io.switchboard.bench.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class RequestLimitTest {
  private final AtomicLong nanos = new AtomicLong(1_000);
  private final RequestLimit limit = new RequestLimit(60, nanos::get);

  private void advanceMillis(long millis) {
    nanos.addAndGet(millis * 1_000_000);
  }

  @Test
  void theWholeLimitPasses_thenOneRequestPerRefill() {
    for (int i = 0; i < 60; i++) assertTrue(limit.tryAcquire(), "request " + i);
    assertFalse(limit.tryAcquire());
    assertEquals(1, limit.retryAfterSeconds());
    advanceMillis(999);
    assertFalse(limit.tryAcquire());
    advanceMillis(1);
    assertTrue(limit.tryAcquire());

    RequestLimit.Stats stats = limit.stats();
    assertEquals(61, stats.served());
    assertEquals(2, stats.refused());
    assertEquals(0.0, stats.lowestLeft(), 1e-9);
  }

  @Test
  void refillNeverGoesAboveTheLimit() {
    limit.tryAcquire();
    advanceMillis(10 * 60_000);
    for (int i = 0; i < 60; i++) assertTrue(limit.tryAcquire());
    assertFalse(limit.tryAcquire());
  }

  @Test
  void busiestMinute_isTheMostArrivalsInAny60ConsecutiveSeconds() {
    // 10 arrivals in second 0, 5 in second 59, 7 in second 60: seconds 1..60 hold 12, 0..59 hold 15.
    for (int i = 0; i < 10; i++) limit.tryAcquire();
    advanceMillis(59_000);
    for (int i = 0; i < 5; i++) limit.tryAcquire();
    advanceMillis(1_000);
    for (int i = 0; i < 7; i++) limit.tryAcquire();
    assertEquals(15, limit.stats().busiestMinute());
  }
}
