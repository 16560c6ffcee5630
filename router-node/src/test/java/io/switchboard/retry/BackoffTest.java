package io.switchboard.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Exponential backoff with full jitter, on a seeded random. */
@Tag("unit")
class BackoffTest {
  private static final Duration BASE = Duration.ofMillis(100);
  private static final Duration CAP = Duration.ofSeconds(2);

  private static Backoff backoff(long seed) {
    return new Backoff(BASE, CAP, new SplittableRandom(seed));
  }

  private static long maxOver(Backoff backoff, int retryNumber, int samples) {
    long max = 0;
    for (int i = 0; i < samples; i++) {
      max = Math.max(max, backoff.delay(retryNumber).toMillis());
    }
    return max;
  }

  @Test
  void delay_staysWithinZeroAndTheExponentialCeiling() {
    Backoff backoff = backoff(1);
    for (int retry = 1; retry <= 8; retry++) {
      long ceiling = Math.min(CAP.toMillis(), BASE.toMillis() << (retry - 1));
      for (int i = 0; i < 1_000; i++) {
        long delay = backoff.delay(retry).toMillis();
        assertTrue(delay >= 0 && delay <= ceiling, "retry " + retry + " waited " + delay + " ms");
      }
    }
  }

  @Test
  void delay_growsWithEachRetry_andIsJittered() {
    Backoff backoff = backoff(2);

    assertTrue(maxOver(backoff, 1, 500) > 90, "retry 1 reaches near 100 ms");
    assertTrue(maxOver(backoff, 3, 500) > 350, "retry 3 reaches near 400 ms");
    assertTrue(maxOver(backoff, 4, 500) > 700, "retry 4 reaches near 800 ms");
    long distinct = IntStream.range(0, 50).mapToLong(i -> backoff.delay(4).toMillis()).distinct().count();
    assertTrue(distinct > 40, "delays are spread, not identical: " + distinct);
  }

  @Test
  void delay_neverExceedsTheCap_evenAfterManyRetries() {
    Backoff backoff = backoff(3);

    assertTrue(maxOver(backoff, 6, 500) <= 2_000);
    assertTrue(maxOver(backoff, 6, 500) > 1_900, "reaches the cap");
    assertTrue(maxOver(backoff, 1_000, 100) <= 2_000, "no overflow on absurd retry numbers");
    assertTrue(maxOver(backoff, Integer.MAX_VALUE, 100) <= 2_000);
  }

  @Test
  void sameSeed_sameDelays() {
    Backoff a = backoff(42);
    Backoff b = backoff(42);
    for (int retry = 1; retry <= 5; retry++) {
      assertEquals(a.delay(retry), b.delay(retry));
    }
  }

  @Test
  void retryAfter_isHonouredEvenBeyondTheCap() {
    Backoff backoff = backoff(4);

    assertEquals(Duration.ofSeconds(30), backoff.delay(1, Optional.of(Duration.ofSeconds(30))));
  }

  @Test
  void retryAfter_shorterThanTheJitteredDelay_doesNotShortenIt() {
    RandomGenerator alwaysTop = new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new UnsupportedOperationException();
      }

      @Override
      public long nextLong(long bound) {
        return bound - 1;
      }
    };
    Backoff backoff = new Backoff(BASE, CAP, alwaysTop);

    assertEquals(Duration.ofMillis(400), backoff.delay(3, Optional.of(Duration.ofMillis(10))));
    assertEquals(Duration.ofMillis(400), backoff.delay(3, Optional.empty()));
  }

  @Test
  void invalidArguments_areRefused() {
    assertThrows(IllegalArgumentException.class, () -> backoff(5).delay(0));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, CAP, new SplittableRandom()));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(CAP, BASE, new SplittableRandom()));
  }

  @Test
  void hugeCap_doesNotOverflow() {
    Backoff backoff = new Backoff(Duration.ofMillis(1), Duration.ofSeconds(Long.MAX_VALUE), new SplittableRandom(6));

    assertTrue(backoff.delay(80).toMillis() >= 0);
  }
}
