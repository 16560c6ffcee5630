package io.switchboard.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The token bucket's arithmetic, driven by explicit times. */
@Tag("unit")
class TokenBucketTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final Duration MINUTE = Duration.ofMinutes(1);

  @Test
  void full_admitsUpToCapacity_thenRefuses() {
    TokenBucket bucket = TokenBucket.full(3, MINUTE, T0);

    assertTrue(bucket.tryTake(1, T0));
    assertTrue(bucket.tryTake(2, T0));
    assertFalse(bucket.tryTake(1, T0));
    assertEquals(0.0, bucket.level(T0));
  }

  @Test
  void refill_isContinuousAtCapacityPerPeriod_andStopsAtCapacity() {
    TokenBucket bucket = new TokenBucket(60, MINUTE, 0, T0);

    assertEquals(1.0, bucket.level(T0 + 1_000), 1e-9);
    assertEquals(30.0, bucket.level(T0 + 30_000), 1e-9);
    assertEquals(60.0, bucket.level(T0 + 120_000));
  }

  @Test
  void millisUntil_isZeroWhenTheTokensAreThere_andOtherwiseExactlyLongEnough() {
    TokenBucket bucket = new TokenBucket(60, MINUTE, 0, T0);

    assertEquals(0, bucket.millisUntil(0, T0));
    long wait = bucket.millisUntil(10, T0);
    assertEquals(10_000, wait);
    assertFalse(bucket.tryTake(10, T0 + wait - 1));
    assertTrue(bucket.tryTake(10, T0 + wait));
  }

  @Test
  void millisUntil_isAPromiseThatHoldsDespiteFloatingPointDrift() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 2_000; i++) {
      double capacity = 1 + random.nextDouble() * 1_000_000;
      long period = 1 + random.nextLong(10_000_000);
      TokenBucket bucket = new TokenBucket(capacity, Duration.ofMillis(period), random.nextDouble() * capacity, T0);
      double amount = random.nextDouble() * capacity;
      long wait = bucket.millisUntil(amount, T0);

      assertTrue(bucket.tryTake(amount, T0 + wait), "capacity " + capacity + ", period " + period + ", amount "
          + amount + ", wait " + wait);
    }
  }

  @Test
  void manySmallSteps_doNotDriftAwayFromTheClosedForm() {
    TokenBucket bucket = new TokenBucket(7, Duration.ofMillis(3_000), 0, T0);
    for (int t = 1; t <= 3_000; t++) {
      bucket.level(T0 + t);
    }

    assertEquals(7.0, bucket.level(T0 + 3_000));
    assertTrue(bucket.tryTake(7, T0 + 3_000));
  }

  @Test
  void oversizedRequest_passesOnlyWhenFull_andLeavesADebt() {
    TokenBucket bucket = TokenBucket.full(100, MINUTE, T0);
    bucket.tryTake(1, T0);

    assertFalse(bucket.tryTake(250, T0), "not full");
    assertEquals(600, bucket.millisUntil(250, T0), "time until full");
    assertTrue(bucket.tryTake(250, T0 + 600));
    assertEquals(-150.0, bucket.level(T0 + 600), 1e-9);
    assertEquals(151 * 600, bucket.millisUntil(1, T0 + 600), "the debt is paid off first");
    assertFalse(bucket.tryTake(1, T0 + 60_000));
  }

  @Test
  void charge_isForcedAndMayGoNegative_refundIsCappedAtCapacity() {
    TokenBucket bucket = TokenBucket.full(10, MINUTE, T0);

    bucket.charge(15, T0);
    assertEquals(-5.0, bucket.level(T0));
    bucket.refund(100, T0);
    assertEquals(10.0, bucket.level(T0));
  }

  @Test
  void tryConsume_answersWithRemainingAndWait() {
    TokenBucket bucket = TokenBucket.full(60, MINUTE, T0);

    assertEquals(new TokenBucket.Consumption(true, 20.0, 0), bucket.tryConsume(40, T0));
    assertEquals(new TokenBucket.Consumption(false, 20.0, 20_000), bucket.tryConsume(40, T0));
  }

  @Test
  void pause_refusesEveryTakeUntilItEnds_andOnlyEverExtends() {
    TokenBucket bucket = TokenBucket.full(10, MINUTE, T0);

    bucket.pauseUntil(T0 + 5_000);
    bucket.pauseUntil(T0 + 1_000);
    assertEquals(T0 + 5_000, bucket.pausedUntil());
    assertFalse(bucket.tryTake(1, T0 + 4_999));
    assertEquals(1, bucket.millisUntil(1, T0 + 4_999));
    assertTrue(bucket.tryTake(1, T0 + 5_000));

    bucket.pauseUntil(T0 + 9_000);
    assertEquals(T0 + 9_000, bucket.pausedUntil());
  }

  @Test
  void millisUntil_takesTheLongerOfPauseAndRefill() {
    TokenBucket bucket = new TokenBucket(60, MINUTE, 0, T0);
    bucket.pauseUntil(T0 + 2_000);

    assertEquals(10_000, bucket.millisUntil(10, T0));
    assertEquals(2_000, bucket.millisUntil(0, T0));
  }

  @Test
  void drain_emptiesTheBucket_butKeepsAnExistingDebt() {
    TokenBucket bucket = TokenBucket.full(10, MINUTE, T0);

    bucket.drain(T0);
    assertEquals(0.0, bucket.level(T0));
    bucket.charge(4, T0);
    bucket.drain(T0);
    assertEquals(-4.0, bucket.level(T0));
  }

  @Test
  void resize_keepsTheUsedShare_andNeverGrantsMoreThanTheNewCapacity() {
    TokenBucket bucket = TokenBucket.full(100, MINUTE, T0);
    bucket.tryTake(60, T0);

    bucket.resize(1_000, Duration.ofSeconds(30), T0);
    assertEquals(1_000, bucket.capacity());
    assertEquals(Duration.ofSeconds(30), bucket.period());
    assertEquals(400.0, bucket.level(T0), 1e-9);
    assertEquals(400.0 + 100.0 / 3, bucket.level(T0 + 1_000), 1e-6, "refills at the new rate");

    bucket.resize(10, MINUTE, T0 + 1_000);
    assertTrue(bucket.level(T0 + 1_000) <= 10.0);
  }

  @Test
  void snapshot_restoresExactly_includingDebtAndPause() {
    TokenBucket bucket = TokenBucket.full(50, MINUTE, T0);
    bucket.charge(70, T0 + 100);
    bucket.pauseUntil(T0 + 9_999);

    TokenBucket.State state = bucket.snapshot(T0 + 200);
    TokenBucket restored = TokenBucket.restore(state);

    assertEquals(state, restored.snapshot(T0 + 200));
    assertEquals(bucket.level(T0 + 30_000), restored.level(T0 + 30_000));
    assertEquals(bucket.millisUntil(5, T0 + 30_000), restored.millisUntil(5, T0 + 30_000));
    assertEquals(T0 + 9_999, restored.pausedUntil());
  }

  @Test
  void clockSteppingBack_refillsNothingUntilItCatchesUp() {
    TokenBucket bucket = new TokenBucket(60, MINUTE, 0, T0);

    assertEquals(0.0, bucket.level(T0 - 10_000));
    assertEquals(1.0, bucket.level(T0 + 1_000), 1e-9);
  }

  @Test
  void hugePeriodsAndTimes_neitherOverflowNorStall() {
    TokenBucket slow = new TokenBucket(1, Duration.ofMillis(Long.MAX_VALUE), 0, 0);
    assertEquals(Long.MAX_VALUE, slow.millisUntil(1, 0));
    assertEquals(1.0, slow.level(Long.MAX_VALUE));

    TokenBucket forever = new TokenBucket(5, Duration.ofSeconds(Long.MAX_VALUE), 0, Long.MIN_VALUE);
    assertEquals(Long.MAX_VALUE, forever.millisUntil(5, Long.MIN_VALUE));
    forever.pauseUntil(Long.MAX_VALUE);
    assertEquals(Long.MAX_VALUE, forever.millisUntil(0, Long.MIN_VALUE));

    TokenBucket fast = new TokenBucket(10, MINUTE, 0, Long.MIN_VALUE);
    assertEquals(10.0, fast.level(Long.MAX_VALUE));
  }

  @Test
  void invalidArguments_areRefused() {
    assertThrows(IllegalArgumentException.class, () -> TokenBucket.full(0, MINUTE, T0));
    assertThrows(IllegalArgumentException.class, () -> TokenBucket.full(Double.NaN, MINUTE, T0));
    assertThrows(IllegalArgumentException.class, () -> TokenBucket.full(1, Duration.ZERO, T0));
    assertThrows(IllegalArgumentException.class, () -> new TokenBucket(1, MINUTE, Double.NaN, T0));
    TokenBucket bucket = TokenBucket.full(1, MINUTE, T0);
    assertThrows(IllegalArgumentException.class, () -> bucket.tryTake(-1, T0));
    assertThrows(IllegalArgumentException.class, () -> bucket.charge(Double.POSITIVE_INFINITY, T0));
    assertThrows(NullPointerException.class, () -> TokenBucket.restore(null));
  }

  @Test
  void initialLevelAboveCapacity_isClampedToCapacity() {
    assertEquals(5.0, new TokenBucket(5, MINUTE, 50, T0).level(T0));
  }
}
