package io.switchboard.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.config.PersistenceSettings;
import io.switchboard.config.UsageSettings;
import io.switchboard.persistence.JdbcPool;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.Duration;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger against a database that refuses a write: the batch is kept and written once the database
 * takes it, so no answered request goes missing from spend and budgets.
 */
@Tag("integration")
class UsageLedgerTest {
  private final ActorTestKit testKit = ActorTestKit.create();
  private final UsageStore store = new UsageStore();
  @TempDir Path dataDir;
  private JdbcPool pool;

  @BeforeEach
  void open() {
    pool = JdbcPool.open(testKit.system(), new PersistenceSettings(PersistenceSettings.Store.H2, dataDir, null));
  }

  @AfterEach
  void close() {
    testKit.shutdownTestKit();
    pool.close();
  }

  @Test
  void batchThatFailsToWrite_isKept_andWrittenWhenTheDatabaseTakesItAgain() {
    // No table yet: every insert fails, as it does while the database is down.
    ActorRef<UsageLedger.Command> ledger = testKit.spawn(UsageLedger.create(pool, store,
        new UsageSettings(Duration.ofMillis(50), 100, 1_000)));
    ledger.tell(new UsageLedger.Record(record("req-1", "0.25")));
    ledger.tell(new UsageLedger.Record(record("req-2", "0.50")));
    TestProbe<Done> flushed = testKit.createTestProbe();
    ledger.tell(new UsageLedger.Flush(flushed.getRef()));
    flushed.expectMessage(Duration.ofSeconds(10), Done.getInstance());
    assertEquals(0, rows(), "nothing could be written yet");

    pool.runNow(c -> {
      store.createTable(c);
      return null;
    });

    TestProbe<Object> waiter = testKit.createTestProbe();
    waiter.awaitAssert(Duration.ofSeconds(10), () -> {
      assertEquals(2, rows(), "the failed batch is retried at a later interval");
      return null;
    });
    BigDecimal spent = pool.runNow(c -> store.spentBy(c, "key_a"));
    assertEquals(0, new BigDecimal("0.75").compareTo(spent), spent.toPlainString());
  }

  private long rows() {
    return pool.runNow(c -> {
      try {
        c.createStatement().executeQuery("SELECT 1 FROM " + UsageStore.TABLE + " WHERE 1 = 0").close();
      } catch (java.sql.SQLException noTable) {
        return 0L;
      }
      try (ResultSet r = c.createStatement().executeQuery("SELECT COUNT(*) FROM " + UsageStore.TABLE)) {
        r.next();
        return r.getLong(1);
      }
    });
  }

  private static UsageRecord record(String requestId, String cost) {
    return new UsageRecord(1_764_000_000_000L, requestId, "key_a", "m", "p/m", 10, 5, new BigDecimal(cost), 12, null,
        UsageRecord.SUCCESS);
  }
}
