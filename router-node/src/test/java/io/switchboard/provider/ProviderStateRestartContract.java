package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import io.switchboard.ManualClock;
import io.switchboard.config.ProviderSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.persistence.Schema;
import io.switchboard.persistence.StateStore;
import io.switchboard.ratelimit.ProviderLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;

/**
 * A provider's state survives a restart of the whole actor system on a real database: the bucket comes
 * back at its conservative floor and open breakers (the provider's, a model's) stay open. Subclasses choose the database.
 */
abstract class ProviderStateRestartContract {
  private static final ProviderSettings SETTINGS = ProviderActorTest.settings("""
      max-in-flight = 100
      limits.requests-per-minute = 100
      checkpoint { interval = 50ms, allowance = 0.25 }
      breaker { consecutive-failures = 2, reset-timeout = 10m, max-reset-timeout = 20m }
      """);

  /** The test kit configuration for the store under test. */
  abstract Config config();

  abstract Map<String, String> env();

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));

  private ActorTestKit start(String name) throws Exception {
    ActorTestKit kit = ActorTestKit.create(name, config());
    Schema.create(kit.system(), SwitchboardSettings.from(config(), env()::get).persistence())
        .toCompletableFuture().get(60, TimeUnit.SECONDS);
    return kit;
  }

  private static ActorRef<ProviderActor.Command> spawn(ActorTestKit kit, ManualClock clock) {
    return kit.spawn(ProviderActor.create(SETTINGS, StateStore.jdbc(kit.system(), ProviderState.class), clock));
  }

  private static ProviderActor.Granted grant(ActorTestKit kit, ActorRef<ProviderActor.Command> actor, ManualClock clock) {
    return grant(kit, actor, clock, "gpt-4o");
  }

  private static ProviderActor.Granted grant(ActorTestKit kit, ActorRef<ProviderActor.Command> actor, ManualClock clock,
      String model) {
    TestProbe<ProviderActor.AdmissionResult> probe = kit.createTestProbe();
    actor.tell(new ProviderActor.Acquire(model, 10, clock.millis() + 30_000, false, probe.getRef()));
    return probe.expectMessageClass(ProviderActor.Granted.class, Duration.ofSeconds(10));
  }

  private static ProviderActor.Status status(ActorTestKit kit, ActorRef<ProviderActor.Command> actor) {
    TestProbe<ProviderActor.Status> probe = kit.createTestProbe();
    actor.tell(new ProviderActor.GetStatus(probe.getRef()));
    return probe.expectMessageClass(ProviderActor.Status.class, Duration.ofSeconds(10));
  }

  @Test
  void bucketAndBreaker_surviveARestartOfTheWholeActorSystem() throws Exception {
    ActorTestKit first = start("provider-state-first");
    try {
      ActorRef<ProviderActor.Command> actor = spawn(first, clock);
      java.util.List<ProviderActor.Granted> granted = new java.util.ArrayList<>();
      for (int i = 0; i < 10; i++) granted.add(grant(first, actor, clock));
      java.util.List<ProviderActor.Granted> mini = java.util.List.of(grant(first, actor, clock, "gpt-4o-mini"),
          grant(first, actor, clock, "gpt-4o-mini"));
      for (int i = 0; i < 2; i++) {
        actor.tell(new ProviderActor.Release(granted.get(i).permitId(),
            new CallOutcome.Failed(true, false, UpstreamSignals.NONE, true)));
      }
      assertEquals("open", status(first, actor).breaker());
      // A model's failures open its own breaker (granted before the provider's opened, they still count).
      for (ProviderActor.Granted g : mini) {
        actor.tell(new ProviderActor.Release(g.permitId(), new CallOutcome.Failed(true, false, UpstreamSignals.NONE)));
      }
      // The next checkpoint (every 50 ms while something changed) records the open breakers.
      first.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
        ProviderState saved = StateStore.jdbc(first.system(), ProviderState.class)
            .load(ProviderActor.persistenceId("p")).toCompletableFuture().join().orElseThrow().value();
        assertEquals(io.switchboard.breaker.CircuitBreaker.State.OPEN, saved.breaker().state());
        assertEquals(io.switchboard.breaker.CircuitBreaker.State.OPEN, saved.modelBreakers().get("gpt-4o-mini").state());
        return null;
      });
    } finally {
      first.shutdownTestKit();
    }

    ActorTestKit second = start("provider-state-second");
    try {
      ActorRef<ProviderActor.Command> actor = spawn(second, clock);
      ProviderActor.Status status = status(second, actor);
      assertEquals("open", status.breaker());
      assertEquals("open", status.modelBreaker("gpt-4o-mini"));
      // 12 of 100 spent when the last checkpoint was written; it recorded the 25 allowance as spent too.
      assertEquals(63, ProviderActorTest.level(status, ProviderLimits.Dimension.REQUESTS), 0.5);
    } finally {
      second.shutdownTestKit();
    }
  }
}
