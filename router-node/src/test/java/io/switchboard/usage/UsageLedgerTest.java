package io.switchboard.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger against a database that refuses a write: the batch is kept and written once the database
 * takes it, so no answered request goes missing from spend and budgets. A record someone waits for
 * ({@code committed} durability) is written at once and answered only once it is in the database; what
 * a key used in the last minute is read for its rate limits.
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

  /** An hour between flushes: only a record someone waits for can be written within the test. */
  private static final UsageSettings COMMITTED = new UsageSettings(Duration.ofHours(1), 100, 1_000,
      UsageSettings.Durability.COMMITTED, Duration.ofSeconds(5));

  private void createTable() {
    pool.runNow(c -> {
      store.createTable(c);
      return null;
    });
  }

  @Test
  void committedRecord_isWrittenAtOnce_andAnsweredOnlyOnceItIsInTheDatabase() {
    createTable();
    ActorRef<UsageLedger.Command> ledger = testKit.spawn(UsageLedger.create(pool, store, COMMITTED));
    ledger.tell(new UsageLedger.Record(record("req-1", "0.25"))); // batched: waits for the interval
    TestProbe<StatusReply<Done>> committed = testKit.createTestProbe();
    ledger.tell(new UsageLedger.Record(record("req-2", "0.50"), committed.getRef()));

    assertTrue(committed.receiveMessage(Duration.ofSeconds(10)).isSuccess());
    assertEquals(2, rows(), "the waited-for record, and the one queued before it, are written");
  }

  @Test
  void committedRecord_whoseWriteFails_isToldSoAtOnce_staysQueued_andIsWrittenLater() {
    ActorRef<UsageLedger.Command> ledger = testKit.spawn(UsageLedger.create(pool, store,
        new UsageSettings(Duration.ofMillis(50), 100, 1_000, UsageSettings.Durability.COMMITTED,
            Duration.ofSeconds(5))));
    TestProbe<StatusReply<Done>> committed = testKit.createTestProbe();
    ledger.tell(new UsageLedger.Record(record("req-1", "0.25"), committed.getRef()));
    // No table: the write fails, and the waiter is told so, not that the record is safe.
    StatusReply<Done> refused = committed.receiveMessage(Duration.ofSeconds(10));
    assertTrue(refused.isError(), refused.toString());
    assertTrue(refused.getError().getMessage().contains("kept"), refused.getError().getMessage());
    // While the database refuses writes, a new waiter is answered at once, without a write of its own.
    ledger.tell(new UsageLedger.Record(record("req-2", "0.50"), committed.getRef()));
    assertTrue(committed.receiveMessage(Duration.ofSeconds(10)).isError());
    assertEquals(0, rows());

    createTable();
    TestProbe<Object> waiter = testKit.createTestProbe();
    waiter.awaitAssert(Duration.ofSeconds(10), () -> {
      assertEquals(2, rows(), "both records are written once the database takes them");
      return null;
    });
  }

  @Test
  void spentBy_addsTheLastMinutesCallsAndTokens_writtenAndBuffered() {
    createTable();
    long now = 1_764_000_000_000L;
    pool.runNow(c -> {
      store.insert(c, java.util.List.of(at(now - 90_000, "0.10"), at(now - 30_000, "0.20")));
      return null;
    });
    ActorRef<UsageLedger.Command> ledger = testKit.spawn(UsageLedger.create(pool, store,
        new UsageSettings(Duration.ofHours(1), 100, 1_000)));
    ledger.tell(new UsageLedger.Record(at(now - 1_000, "0.40"))); // still buffered
    TestProbe<org.apache.pekko.pattern.StatusReply<UsageStore.Spending>> reply = testKit.createTestProbe();
    ledger.tell(new UsageLedger.SpentBy("key_a", now - 60_000, reply.getRef()));

    UsageStore.Spending spending = reply.receiveMessage(Duration.ofSeconds(10)).getValue();
    assertEquals(0, new BigDecimal("0.70").compareTo(spending.spentUsd()), spending.toString());
    assertEquals(2, spending.recentCalls(), "the call 90 s ago is outside the minute");
    assertEquals(30, spending.recentTokens(), "15 tokens each");
  }

  private static UsageRecord at(long atMillis, String cost) {
    return new UsageRecord(atMillis, "r-" + atMillis, "key_a", "m", "p/m", 10, 5, new BigDecimal(cost), 12, null,
        UsageRecord.SUCCESS);
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
