package io.switchboard.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.config.ProviderSettings;
import io.switchboard.ratelimit.ProviderLimits.BucketRecord;
import io.switchboard.ratelimit.ProviderLimits.BucketStatus;
import io.switchboard.ratelimit.ProviderLimits.Dimension;
import io.switchboard.ratelimit.ProviderLimits.Snapshot;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A provider's buckets between checkpoints: only the allowance of a durable checkpoint may be spent,
 * a checkpoint records the level less that allowance, queued demand lengthens the wait, limits are
 * learned from headers only where config sets none, and persisted buckets come back as config allows.
 */
@Tag("unit")
class ProviderLimitsAllowanceTest {
  private static final long NOW = 1_790_000_000_000L;
  private static final Duration MAX_PAUSE = Duration.ofMinutes(5);
  private static final double SHARE = 0.25;

  private static ProviderSettings.Limits config(ProviderSettings.Rate provider, Map<String, ProviderSettings.Rate> models,
      boolean learn, double headroom) {
    return new ProviderSettings.Limits(provider, models, learn, headroom, MAX_PAUSE);
  }

  private static ProviderLimits limits(ProviderSettings.Limits config, Snapshot persisted) {
    return ProviderLimits.restore(config, SHARE, persisted, NOW);
  }

  private static ProviderLimits tokens(long perMinute) {
    return limits(config(new ProviderSettings.Rate(0, perMinute), Map.of(), false, 0.0), Snapshot.EMPTY);
  }

  private static ProviderLimits learning(double headroom) {
    return limits(config(ProviderSettings.Rate.NONE, Map.of(), true, headroom), Snapshot.EMPTY);
  }

  private static BucketStatus status(ProviderLimits limits, String scope, Dimension d) {
    return limits.status(NOW).stream().filter(s -> s.scope().equals(scope) && s.dimension() == d).findFirst()
        .orElseThrow(() -> new AssertionError("no bucket " + scope + "|" + d + " in " + limits.status(NOW)));
  }

  private static BucketRecord record(Snapshot snapshot, Dimension d) {
    return snapshot.buckets().stream().filter(r -> r.dimension() == d).findFirst().orElseThrow();
  }

  @Test
  void onlyTheAllowanceOfADurableCheckpoint_mayBeSpent() {
    ProviderLimits limits = tokens(1_000);
    assertFalse(limits.isEmpty());
    assertTrue(limits.needsCheckpoint("m", 1), "nothing may be spent before the first checkpoint is written");

    Snapshot snapshot = limits.checkpoint(NOW, 0);
    assertEquals(750, record(snapshot, Dimension.TOKENS).state().level(), 1e-9, "the level less a quarter");
    assertEquals(1_000, record(snapshot, Dimension.TOKENS).state().capacity(), 1e-9);
    assertTrue(limits.needsCheckpoint("m", 1), "not spendable until the checkpoint is durable");

    limits.checkpointWritten();
    assertFalse(limits.needsCheckpoint("m", 250));
    assertTrue(limits.needsCheckpoint("m", 251));
  }

  @Test
  void spendingWhileACheckpointIsWritten_countsAgainstItsAllowance() {
    ProviderLimits limits = tokens(1_000);
    limits.checkpoint(NOW, 0);
    limits.take("m", 100, NOW);
    limits.checkpointWritten();
    assertFalse(limits.needsCheckpoint("m", 150));
    assertTrue(limits.needsCheckpoint("m", 151));
    assertEquals(900, status(limits, ProviderLimits.PROVIDER_SCOPE, Dimension.TOKENS).level(), 1e-9);

    limits.checkpointWritten(); // nothing pending: no allowance appears from nowhere
    assertTrue(limits.needsCheckpoint("m", 151));
  }

  @Test
  void allowanceRunsLow_onceMoreThanHalfOfItIsSpent() {
    ProviderLimits limits = tokens(1_000);
    limits.checkpoint(NOW, 0);
    limits.checkpointWritten();
    assertFalse(limits.allowanceRunningLow());
    limits.take("m", 125, NOW);
    assertFalse(limits.allowanceRunningLow(), "exactly half is left");
    limits.take("m", 1, NOW);
    assertTrue(limits.allowanceRunningLow());
  }

  @Test
  void requestBucket_hasAnAllowanceOfAtLeastOneRequest_andIgnoresTheTokenDemandAhead() {
    ProviderLimits limits = limits(config(new ProviderSettings.Rate(2, 1_000), Map.of(), false, 0.0), Snapshot.EMPTY);
    Snapshot snapshot = limits.checkpoint(NOW, 400);
    assertEquals(1, record(snapshot, Dimension.REQUESTS).state().level(), 1e-9, "2 less an allowance of 1, not 0.5");
    assertEquals(600, record(snapshot, Dimension.TOKENS).state().level(), 1e-9,
        "the allowance grows to let the 400-token request waiting ahead pass");
    limits.checkpointWritten();
    assertFalse(limits.needsCheckpoint("m", 400));
    assertTrue(limits.needsCheckpoint("m", 401));
    limits.take("m", 1, NOW);
    assertTrue(limits.needsCheckpoint("m", 1), "the one request of the allowance is spent");
  }

  @Test
  void takeBeyondTheLevel_isAdmittedIntoDebt() {
    ProviderLimits limits = tokens(1_000);
    limits.take("m", 900, NOW);
    limits.take("m", 300, NOW);
    assertEquals(-200, status(limits, ProviderLimits.PROVIDER_SCOPE, Dimension.TOKENS).level(), 1e-9);
  }

  @Test
  void settle_refundsUnusedTokensAndARefusedRequest_andChargesAnOverrun() {
    ProviderLimits limits = limits(config(new ProviderSettings.Rate(10, 1_000), Map.of(), false, 0.0), Snapshot.EMPTY);
    limits.take("m", 500, NOW);
    limits.settle("m", 200, false, NOW);
    assertEquals(700, status(limits, ProviderLimits.PROVIDER_SCOPE, Dimension.TOKENS).level(), 1e-9);
    assertEquals(9, status(limits, ProviderLimits.PROVIDER_SCOPE, Dimension.REQUESTS).level(), 1e-9);
    limits.settle("m", 0, true, NOW);
    assertEquals(10, status(limits, ProviderLimits.PROVIDER_SCOPE, Dimension.REQUESTS).level(), 1e-9);
    assertEquals(700, status(limits, ProviderLimits.PROVIDER_SCOPE, Dimension.TOKENS).level(), 1e-9);
    limits.settle("m", -100, false, NOW);
    assertEquals(600, status(limits, ProviderLimits.PROVIDER_SCOPE, Dimension.TOKENS).level(), 1e-9);
  }

  @Test
  void queuedDemand_lengthensTheWaitOfANewRequest_untilItLeaves() {
    ProviderLimits limits = tokens(1_000); // 1 token per 60 ms
    limits.take("m", 1_000, NOW);
    assertEquals(6_000, limits.millisUntilAdmissible("m", 100, NOW));
    limits.queued("m", 500, +1);
    assertEquals(500, status(limits, ProviderLimits.PROVIDER_SCOPE, Dimension.TOKENS).queuedDemand(), 1e-9);
    assertEquals(36_000, limits.millisUntilAdmissibleBehindQueue("m", 100, NOW));
    assertEquals(6_000, limits.millisUntilAdmissible("m", 100, NOW), "the plain wait ignores the queue");
    limits.queued("m", 500, -1);
    limits.queued("m", 500, -1); // never below nothing
    assertEquals(6_000, limits.millisUntilAdmissibleBehindQueue("m", 100, NOW));
    limits.queued("m", 100, +1);
    assertEquals(12_000, limits.millisUntilAdmissibleBehindQueue("m", 100, NOW));
  }

  @Test
  void pause_holdsBackTheQueueToo() {
    ProviderLimits limits = tokens(1_000);
    limits.pause(10_000, NOW);
    assertEquals(10_000, limits.millisUntilAdmissibleBehindQueue("m", 1, NOW));
    assertEquals(4_000, limits.millisUntilAdmissibleBehindQueue("m", 1, NOW + 6_000));
    assertEquals(0, limits.millisUntilAdmissibleBehindQueue("m", 1, NOW + 20_000));
  }

  @Test
  void learnedLimits_becomeBuckets_lessTheHeadroom_andChangeWhenTheUpstreamSaysSo() {
    ProviderLimits limits = learning(0.1);
    assertTrue(limits.isEmpty());
    assertFalse(limits.learn("m", 0, 0, 5, 5, NOW), "nothing said, nothing learned");
    assertTrue(limits.isEmpty());

    assertTrue(limits.learn("m", 100, 10_000, -1, -1, NOW));
    BucketStatus requests = status(limits, "m", Dimension.REQUESTS);
    assertTrue(requests.learned());
    assertEquals(100, requests.limitPerMinute());
    assertEquals(90, requests.capacity(), 1e-9);
    assertEquals(9_000, status(limits, "m", Dimension.TOKENS).capacity(), 1e-9);
    assertFalse(limits.learn("m", 100, 10_000, -1, -1, NOW), "the same limits again change nothing");

    assertTrue(limits.learn("m", 200, 10_000, -1, -1, NOW), "a new request limit alone is a change");
    assertEquals(200, status(limits, "m", Dimension.REQUESTS).limitPerMinute());
    assertEquals(180, status(limits, "m", Dimension.REQUESTS).capacity(), 1e-9);
    assertTrue(limits.learn("m", 200, 20_000, -1, -1, NOW), "a new token limit alone is a change");
    assertEquals(20_000, status(limits, "m", Dimension.TOKENS).limitPerMinute());
    assertTrue(limits.status(NOW).stream().allMatch(s -> s.scope().equals("m")), "nothing for other models");
  }

  @Test
  void remainingCount_lowersTheLevelToItLessTheHeadroom_neverRaisesIt() {
    ProviderLimits limits = learning(0.1);
    limits.learn("m", 200, 0, -1, -1, NOW);
    assertTrue(limits.learn("m", 200, 0, 50, -1, NOW));
    assertEquals(30, status(limits, "m", Dimension.REQUESTS).level(), 1e-9, "50 left less 20 of headroom");
    assertFalse(limits.learn("m", 200, 0, 150, -1, NOW), "more left than the bucket holds raises nothing");
    assertEquals(30, status(limits, "m", Dimension.REQUESTS).level(), 1e-9);
    assertTrue(limits.learn("m", 200, 0, 0, -1, NOW), "none left is news too");
    assertEquals(-20, status(limits, "m", Dimension.REQUESTS).level(), 1e-9, "into the headroom: a debt");
  }

  @Test
  void configuredLimits_areNeverOverriddenByLearnedOnes() {
    ProviderLimits limits = limits(config(new ProviderSettings.Rate(0, 5_000),
        Map.of("m", new ProviderSettings.Rate(30, 0)), true, 0.0), Snapshot.EMPTY);
    assertFalse(limits.learn("m", 100, 10_000, 1, 1, NOW), "both limits of m are configured");
    assertTrue(limits.learn("n", 100, 10_000, -1, -1, NOW), "n's request limit is not");
    assertEquals(100, status(limits, "n", Dimension.REQUESTS).limitPerMinute());
    assertEquals(3, limits.status(NOW).size(), "provider tokens, m's requests, n's learned requests");
    assertEquals(30, status(limits, "m", Dimension.REQUESTS).level(), 1e-9);

    ProviderLimits off = limits(config(ProviderSettings.Rate.NONE, Map.of(), false, 0.0), Snapshot.EMPTY);
    assertFalse(off.learn("m", 100, 10_000, 1, 1, NOW));
    assertTrue(off.isEmpty());
  }

  @Test
  void restore_carriesLevelsAndLearnedLimitsOver_asConfigNowAllows() {
    ProviderLimits before = limits(config(new ProviderSettings.Rate(0, 1_000), Map.of(), true, 0.2), Snapshot.EMPTY);
    before.learn("m", 100, 0, -1, -1, NOW);
    Snapshot persisted = before.checkpoint(NOW, 0);

    ProviderLimits same = limits(config(new ProviderSettings.Rate(0, 1_000), Map.of(), true, 0.2), persisted);
    assertEquals(600, status(same, ProviderLimits.PROVIDER_SCOPE, Dimension.TOKENS).level(), 1e-9,
        "800 less its allowance of 200");
    BucketStatus learned = status(same, "m", Dimension.REQUESTS);
    assertTrue(learned.learned());
    assertEquals(100, learned.limitPerMinute(), "80 held after headroom stands for a limit of 100");
    assertEquals(60, learned.level(), 1e-9);

    ProviderLimits doubled = limits(config(new ProviderSettings.Rate(0, 2_000), Map.of(), true, 0.2), persisted);
    assertEquals(1_600, status(doubled, ProviderLimits.PROVIDER_SCOPE, Dimension.TOKENS).capacity(), 1e-9);
    assertEquals(1_200, status(doubled, ProviderLimits.PROVIDER_SCOPE, Dimension.TOKENS).level(), 1e-9,
        "a capacity changed in config keeps the share used");

    ProviderLimits configured = limits(config(new ProviderSettings.Rate(50, 1_000), Map.of(), true, 0.2), persisted);
    assertTrue(configured.status(NOW).stream().noneMatch(BucketStatus::learned), "config now sets requests");
    ProviderLimits modelConfigured = limits(config(new ProviderSettings.Rate(0, 1_000),
        Map.of("m", new ProviderSettings.Rate(40, 0)), true, 0.2), persisted);
    assertEquals(40, status(modelConfigured, "m", Dimension.REQUESTS).limitPerMinute());
    assertFalse(status(modelConfigured, "m", Dimension.REQUESTS).learned());
    assertEquals(24, status(modelConfigured, "m", Dimension.REQUESTS).level(), 1e-9, "60 of 80 is 24 of 32");
    ProviderLimits notLearning = limits(config(new ProviderSettings.Rate(0, 1_000), Map.of(), false, 0.2), persisted);
    assertEquals(1, notLearning.status(NOW).size(), "learning off: the learned bucket is dropped");
    ProviderLimits unlimited = limits(config(ProviderSettings.Rate.NONE, Map.of(), false, 0.2), persisted);
    assertTrue(unlimited.isEmpty(), "a configured bucket that config no longer sets is not restored");
  }

  @Test
  void restoredLearnedBucketOfAModel_staysWhenConfigSetsOnlyTheOtherDimension() {
    ProviderLimits before = learning(0.0);
    before.learn("m", 0, 10_000, -1, -1, NOW);
    Snapshot persisted = before.checkpoint(NOW, 0);
    ProviderLimits after = limits(config(ProviderSettings.Rate.NONE, Map.of("m", new ProviderSettings.Rate(30, 0)),
        true, 0.0), persisted);
    assertTrue(status(after, "m", Dimension.TOKENS).learned());
    assertEquals(7_500, status(after, "m", Dimension.TOKENS).level(), 1e-9);
  }

  @Test
  void persistedPause_underTheCap_isServedOut_andAnUnboundedCapDoesNotOverflow() {
    ProviderLimits paused = limits(config(ProviderSettings.Rate.NONE, Map.of(), false, 0.0),
        new Snapshot(List.of(), NOW + 1_000));
    assertEquals(NOW + 1_000, paused.pausedUntil());
    assertEquals(1_000, paused.millisUntilAdmissible("m", 1, NOW));

    ProviderLimits unbounded = ProviderLimits.restore(new ProviderSettings.Limits(ProviderSettings.Rate.NONE, Map.of(),
        false, 0.0, Duration.ofMillis(Long.MAX_VALUE)), SHARE, new Snapshot(List.of(), NOW + 1_000), NOW);
    assertEquals(NOW + 1_000, unbounded.pausedUntil());
  }
}
