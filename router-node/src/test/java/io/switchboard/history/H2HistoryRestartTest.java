package io.switchboard.history;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.config.HistorySettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.persistence.Schema;
import io.switchboard.persistence.StateStore;
import io.switchboard.persistence.TestStores;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A deployment's history is there after the whole actor system restarts, from the default store (an H2 file). */
@Tag("integration")
class H2HistoryRestartTest {
  private static final String LABEL = "openai/gpt-4o";
  private static final HistorySettings SETTINGS = new HistorySettings(1000, Duration.ofMillis(250), 10_000,
      Duration.ofSeconds(1), Duration.ofMillis(50));
  @TempDir static Path dataDir;

  private static ActorTestKit start(String name) throws Exception {
    ActorTestKit kit = ActorTestKit.create(name, TestStores.h2(dataDir));
    Schema.create(kit.system(), SwitchboardSettings.from(TestStores.h2(dataDir), Map.<String, String>of()::get)
        .persistence()).toCompletableFuture().get(60, TimeUnit.SECONDS);
    return kit;
  }

  private static DeploymentHistory.Latest latest(ActorTestKit kit, ActorRef<DeploymentHistory.Command> history) {
    TestProbe<DeploymentHistory.Latest> probe = kit.createTestProbe();
    history.tell(new DeploymentHistory.GetLatest(5, probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(10));
  }

  @Test
  void history_isThereAfterARestart() throws Exception {
    DeploymentHistory.Latest before;
    ActorTestKit first = start("history-first");
    try {
      ActorRef<DeploymentHistory.Command> history = first.spawn(DeploymentHistory.create(LABEL, SETTINGS,
          StateStore.jdbc(first.system(), HistorySnapshot.class)));
      List<Outcome> outcomes = new ArrayList<>();
      for (int i = 0; i < 1500; i++) {
        outcomes.add(i % 10 == 0 ? new Outcome(i, 2_000, -1, 0, "rate_limited", null)
            : new Outcome(i, 100 + i % 50, 40, 80.5, null, new BigDecimal("0.0015")));
      }
      history.tell(new DeploymentHistory.Record(outcomes));
      before = latest(first, history);
      first.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
        HistorySnapshot saved = StateStore.jdbc(first.system(), HistorySnapshot.class)
            .load(DeploymentHistory.persistenceId(LABEL)).toCompletableFuture().join().orElseThrow().value();
        assertEquals(1000, saved.at().length);
        return null;
      });
    } finally {
      first.shutdownTestKit();
    }

    ActorTestKit second = start("history-second");
    try {
      ActorRef<DeploymentHistory.Command> history = second.spawn(DeploymentHistory.create(LABEL, SETTINGS,
          StateStore.jdbc(second.system(), HistorySnapshot.class)));
      DeploymentHistory.Latest after = latest(second, history);

      assertEquals(1000, after.summary().outcomes());
      assertEquals(0.1, after.summary().errorRate(), 1e-9);
      assertEquals(before.summary(), after.summary());
      assertEquals(before.outcomes(), after.outcomes());
    } finally {
      second.shutdownTestKit();
    }
  }
}
