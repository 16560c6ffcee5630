package io.switchboard.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.switchboard.ManualClock;
import io.switchboard.config.PersistenceSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.keys.ApiKey;
import io.switchboard.keys.ApiKeyActor;
import io.switchboard.keys.NewKey;
import io.switchboard.persistence.JdbcPool;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's accounts wired over H2: the tables are created, and a key's admission starts from its limits
 * in the key table and what the usage ledger says it spent, buffered records included.
 */
@Tag("integration")
class AccountsTest {
  private final ActorTestKit testKit = ActorTestKit.create();
  private final ObjectMapper mapper = new ObjectMapper();
  @TempDir Path dataDir;

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  private static <T> T await(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }

  @Test
  void keyAdmission_startsFromTheKeysBudgetAndWhatTheLedgerHolds() {
    JdbcPool pool = await(Accounts.prepare(testKit.system(),
        new PersistenceSettings(PersistenceSettings.Store.H2, dataDir, null), mapper));
    SwitchboardSettings settings = SwitchboardSettings.from(ConfigFactory.parseString(
        "switchboard.providers.p { kind = simulated }").withFallback(ConfigFactory.load()).resolve(), k -> null);
    TestProbe<Accounts> started = testKit.createTestProbe();
    testKit.spawn(Behaviors.setup(context -> {
      started.getRef().tell(Accounts.start(context, settings, pool,  mapper,
          new ManualClock(Instant.parse("2026-11-21T10:00:00Z"))));
      return Behaviors.empty();
    }));
    Accounts accounts = started.receiveMessage();
    assertFalse(accounts.access().keysRequired(), "on loopback the gateway runs open by default");

    ApiKey key = await(accounts.directory().create(new NewKey("team", null, 5, null, new BigDecimal("1.00"), null, null),
        Set.of())).key();
    accounts.ledger().tell(new UsageLedger.Record(new UsageRecord(1, "r", key.id(), "m", "p/m", 1, 1,
        new BigDecimal("0.40"), 1, null, UsageRecord.SUCCESS)));
    ApiKeyActor.Budget budget = await(accounts.admission().budget(key.id()));
    assertEquals(0, new BigDecimal("0.40").compareTo(budget.spentUsd()));
    assertEquals(0, new BigDecimal("1.00").compareTo(budget.capUsd()));

    ApiKeyActor.Budget unknown = await(accounts.admission().budget("key_not_in_the_table"));
    assertNull(unknown.capUsd());
    assertEquals(0, unknown.spentUsd().signum());
  }
}
