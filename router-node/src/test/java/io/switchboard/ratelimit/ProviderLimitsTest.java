package io.switchboard.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.config.ProviderSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A provider's buckets: which reservations can never fit, and how long an upstream may pause them. */
@Tag("unit")
class ProviderLimitsTest {
  private static final long NOW = 1_790_000_000_000L;
  private static final Duration MAX_PAUSE = Duration.ofMinutes(5);

  private static ProviderLimits limits(ProviderSettings.Rate provider, Map<String, ProviderSettings.Rate> models,
      ProviderLimits.Snapshot persisted) {
    return ProviderLimits.restore(new ProviderSettings.Limits(provider, models, true, 0.0, MAX_PAUSE), 0.25,
        persisted, NOW);
  }

  private static ProviderLimits limits(long tokensPerMinute) {
    return limits(new ProviderSettings.Rate(0, tokensPerMinute), Map.of(), ProviderLimits.Snapshot.EMPTY);
  }

  @Test
  void reservationUpToTheSmallestTokenBucket_fits_andAboveItNamesThatBucket() {
    ProviderLimits limits = limits(new ProviderSettings.Rate(10, 30_000),
        Map.of("gpt-4o", new ProviderSettings.Rate(0, 8_000)), ProviderLimits.Snapshot.EMPTY);

    assertTrue(limits.tooSmallFor("gpt-4o", 8_000, NOW).isEmpty());
    ProviderLimits.BucketStatus model = limits.tooSmallFor("gpt-4o", 8_001, NOW).orElseThrow();
    assertEquals("gpt-4o", model.scope());
    assertEquals(8_000, model.limitPerMinute());
    assertEquals(ProviderLimits.PROVIDER_SCOPE, limits.tooSmallFor("other", 30_001, NOW).orElseThrow().scope());
    assertTrue(limits.tooSmallFor("other", 8_001, NOW).isEmpty(), "another model's bucket does not apply");
    assertTrue(limits(0).tooSmallFor("gpt-4o", Integer.MAX_VALUE, NOW).isEmpty(), "no token limit, nothing too large");
  }

  @Test
  void learnedTokenLimit_boundsTheReservationToo() {
    ProviderLimits limits = limits(0);
    limits.learn("gpt-4o", 0, 20_000, -1, -1, NOW);

    ProviderLimits.BucketStatus learned = limits.tooSmallFor("gpt-4o", 20_001, NOW).orElseThrow();
    assertTrue(learned.learned());
    assertEquals(20_000, learned.capacity(), 0.001);
  }

  @Test
  void pause_isCappedAtMaxPause_andNeverShortensOneUnderWay() {
    ProviderLimits limits = limits(0);

    assertEquals(MAX_PAUSE.toMillis(), limits.pause(99_999_999_000L, NOW));
    assertEquals(NOW + MAX_PAUSE.toMillis(), limits.pausedUntil());
    assertEquals(MAX_PAUSE.toMillis(), limits.pause(Long.MAX_VALUE, NOW), "no overflow past the cap");
    limits.pause(2_000, NOW + 1_000);
    assertEquals(NOW + MAX_PAUSE.toMillis(), limits.pausedUntil());
  }

  @Test
  void pausePersistedBeforeTheCap_endsWithinMaxPauseOnceRestored() {
    // A pause of years, checkpointed by a node that had no cap, is not served out after a restart.
    ProviderLimits limits = limits(ProviderSettings.Rate.NONE, Map.of(),
        new ProviderLimits.Snapshot(List.of(), NOW + Duration.ofDays(1157).toMillis()));

    assertEquals(NOW + MAX_PAUSE.toMillis(), limits.pausedUntil());
    assertEquals(MAX_PAUSE.toMillis(), limits.millisUntilAdmissible("gpt-4o", 10, NOW));
  }

  @Test
  void overrunReportedBeyondReason_chargesOneBucketAtMost() {
    ProviderLimits limits = limits(1_000);
    limits.take("gpt-4o", 100, NOW);
    limits.settle("gpt-4o", 100L - Integer.MAX_VALUE, false, NOW);

    assertEquals(-100, limits.status(NOW).get(0).level(), 0.01);
  }
}
