package io.switchboard.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.HistorySettings;
import io.switchboard.persistence.InMemoryStateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** One deployment's history entity on manual time: batches in, snapshots out, no write per outcome. */
@Tag("unit")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeploymentHistoryTest {
  private static final HistorySettings SETTINGS = HistorySettings.DEFAULTS.withSize(100);
  private final ActorTestKit kit = ActorTestKit.create("deployment-history",
      ManualTime.config().withFallback(ConfigFactory.load()));
  private final ManualTime time = ManualTime.get(kit.system());

  @AfterAll
  void stop() {
    kit.shutdownTestKit();
  }

  private static List<Outcome> batch(int from, int count) {
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = from; i < from + count; i++) outcomes.add(new Outcome(i, i, -1, 0, null, null));
    return outcomes;
  }

  private DeploymentHistory.Latest latest(ActorRef<DeploymentHistory.Command> history, int limit) {
    TestProbe<DeploymentHistory.Latest> probe = kit.createTestProbe();
    history.tell(new DeploymentHistory.GetLatest(limit, probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(5));
  }

  @Test
  void thousandOutcomesInTenBatches_areOneSnapshotOfTheLatestHundred() {
    InMemoryStateStore<HistorySnapshot> store = new InMemoryStateStore<>();
    ActorRef<DeploymentHistory.Command> history =
        kit.spawn(DeploymentHistory.create("openai/gpt-4o", SETTINGS, store));
    for (int b = 0; b < 10; b++) history.tell(new DeploymentHistory.Record(batch(b * 100, 100)));

    DeploymentHistory.Latest latest = latest(history, 3);
    assertEquals(100, latest.summary().outcomes());
    assertEquals(List.of(999L, 998L, 997L), latest.outcomes().stream().map(Outcome::latencyMillis).toList());
    assertEquals(0, store.saves(), "nothing is written before the checkpoint interval");

    time.timePasses(SETTINGS.checkpointInterval());
    kit.createTestProbe().awaitAssert(() -> {
      assertEquals(1, store.saves());
      assertEquals(100, store.stored(DeploymentHistory.persistenceId("openai/gpt-4o")).orElseThrow().value().at().length);
      return null;
    });
    // Nothing changed since: the next interval writes nothing.
    time.timePasses(SETTINGS.checkpointInterval());
    latest(history, 0);
    assertEquals(1, store.saves());
  }

  @Test
  void aHistoryStartedAgain_loadsItsSnapshot() {
    InMemoryStateStore<HistorySnapshot> store = new InMemoryStateStore<>();
    ActorRef<DeploymentHistory.Command> first = kit.spawn(DeploymentHistory.create("anthropic/claude", SETTINGS, store));
    first.tell(new DeploymentHistory.Record(batch(0, 150)));
    latest(first, 0);
    time.timePasses(SETTINGS.checkpointInterval());
    kit.createTestProbe().awaitAssert(() -> {
      assertTrue(store.stored(DeploymentHistory.persistenceId("anthropic/claude")).isPresent());
      return null;
    });
    kit.stop(first);

    ActorRef<DeploymentHistory.Command> second = kit.spawn(DeploymentHistory.create("anthropic/claude", SETTINGS, store));
    DeploymentHistory.Latest latest = latest(second, 100);

    assertEquals(100, latest.summary().outcomes());
    assertEquals(149, latest.outcomes().get(0).latencyMillis());
    assertEquals(50, latest.outcomes().get(99).latencyMillis());
  }
}
