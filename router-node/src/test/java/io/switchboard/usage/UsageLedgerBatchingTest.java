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
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
 * The ledger's batching over H2, with a flush interval too long to matter: a full batch is written at
 * once, a key's spend counts written and buffered records, a stop writes what is left, a bounded
 * buffer drops beyond its size, and a report flushes first and averages per request.
 */
@Tag("integration")
class UsageLedgerBatchingTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration NEVER = Duration.ofHours(1);
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

  private void createTable() {
    pool.runNow(c -> {
      store.createTable(c);
      return null;
    });
  }

  private ActorRef<UsageLedger.Command> ledger(int flushRecords, int maxBuffered) {
    return testKit.spawn(UsageLedger.create(pool, store, new UsageSettings(NEVER, flushRecords, maxBuffered)));
  }

  private long rows() {
    return pool.runNow(c -> {
      try (ResultSet r = c.createStatement().executeQuery("SELECT COUNT(*) FROM " + UsageStore.TABLE)) {
        r.next();
        return r.getLong(1);
      }
    });
  }

  private void flush(ActorRef<UsageLedger.Command> ledger) {
    TestProbe<Done> flushed = testKit.createTestProbe();
    ledger.tell(new UsageLedger.Flush(flushed.getRef()));
    flushed.expectMessage(WAIT, Done.getInstance());
  }

  @SuppressWarnings("unchecked")
  private static BigDecimal spentValue(TestProbe<StatusReply<UsageStore.Spending>> probe) {
    return ((StatusReply<UsageStore.Spending>) probe.expectMessageClass(StatusReply.class, WAIT)).getValue().spentUsd();
  }

  private static UsageLedger.Record record(String key, String cost) {
    return new UsageLedger.Record(new UsageRecord(1_764_000_000_000L, "req", key, "m", "p/m", 10, 5,
        new BigDecimal(cost), 12, null, UsageRecord.SUCCESS));
  }

  @Test
  void fullBatch_isWrittenWithoutWaitingForTheInterval() {
    createTable();
    ActorRef<UsageLedger.Command> ledger = ledger(2, 100);
    ledger.tell(record("key_a", "0.10"));
    ledger.tell(record("key_a", "0.10"));
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      assertEquals(2, rows());
      return null;
    });
  }

  @Test
  void spentBy_isTheWrittenSumPlusWhatIsBuffered_perKey() {
    createTable();
    ActorRef<UsageLedger.Command> ledger = ledger(100, 1_000);
    ledger.tell(record("key_a", "0.25"));
    ledger.tell(record("key_b", "1.00"));
    ledger.tell(record("key_a", "0.50"));
    TestProbe<StatusReply<UsageStore.Spending>> spent = testKit.createTestProbe();
    ledger.tell(new UsageLedger.SpentBy("key_a", 0L, spent.getRef()));
    assertEquals(0, new BigDecimal("0.75").compareTo(spentValue(spent)));
    ledger.tell(new UsageLedger.SpentBy("key_none", 0L, spent.getRef()));
    assertEquals(0, spentValue(spent).signum());
    assertEquals(3, rows(), "answering the query wrote the batch before it");
  }

  @Test
  void spentBy_whileTheDatabaseRefuses_isAnError_notAZero() {
    ActorRef<UsageLedger.Command> ledger = ledger(100, 1_000); // no table: every call fails
    TestProbe<StatusReply<UsageStore.Spending>> spent = testKit.createTestProbe();
    ledger.tell(new UsageLedger.SpentBy("key_a", 0L, spent.getRef()));
    StatusReply<?> reply = spent.expectMessageClass(StatusReply.class, WAIT);
    assertTrue(reply.isError());
    assertTrue(reply.getError().getMessage().contains("could not read the database"), reply.getError().getMessage());
  }

  @Test
  void flush_withNothingBuffered_isAnsweredAtOnce_andWritesEverythingBuffered() {
    createTable();
    ActorRef<UsageLedger.Command> ledger = ledger(2, 1_000);
    flush(ledger);
    for (int i = 0; i < 5; i++) ledger.tell(record("key_a", "0.01"));
    flush(ledger);
    assertEquals(5, rows(), "every batch, not only the first");
  }

  @Test
  void stoppedLedger_writesWhatIsLeft() {
    ActorRef<UsageLedger.Command> ledger = ledger(100, 1_000);
    ledger.tell(record("key_a", "0.10"));
    ledger.tell(record("key_a", "0.20"));
    flush(ledger); // refused (no table yet): both records are now held, and the next try is an hour away
    createTable();
    testKit.stop(ledger, WAIT);
    assertEquals(2, rows());
  }

  @Test
  void fullBuffer_dropsNewRecords_keepingTheOldest() {
    ActorRef<UsageLedger.Command> ledger = ledger(100, 2); // no table yet: nothing can be written
    ledger.tell(record("key_a", "0.10"));
    ledger.tell(record("key_a", "0.20"));
    ledger.tell(record("key_a", "0.40"));
    flush(ledger);
    createTable();
    flush(ledger);
    assertEquals(2, rows());
    BigDecimal spent = pool.runNow(c -> store.spentBy(c, "key_a"));
    assertEquals(0, new BigDecimal("0.30").compareTo(spent), spent.toPlainString());
  }

  @Test
  void report_flushesFirst_andGivesTotalsAndAveragesPerGroup() {
    createTable();
    ActorRef<UsageLedger.Command> ledger = ledger(100, 1_000);
    UsageReports reports = new UsageReports(pool, store, ledger, testKit.scheduler());
    long day = LocalDate.of(2026, 5, 4).toEpochDay() * UsageStore.DAY_MILLIS;
    ledger.tell(new UsageLedger.Record(new UsageRecord(day + 1, "r1", "key_a", "gpt", "oai/gpt-4o", 10, 5,
        new BigDecimal("0.125"), 100, null, UsageRecord.SUCCESS)));
    ledger.tell(new UsageLedger.Record(new UsageRecord(day + 2, "r2", "key_a", "gpt", "oai/gpt-4o", 20, 10,
        new BigDecimal("0.5"), 301, null, UsageRecord.SUCCESS)));
    ledger.tell(new UsageLedger.Record(new UsageRecord(day + 3, "r3", "key_b", "gpt", "oai/gpt-4o", 1, 1,
        new BigDecimal("1"), 1, null, UsageRecord.SUCCESS)));

    Instant from = Instant.ofEpochMilli(day);
    Instant to = LocalDate.of(2026, 5, 5).atStartOfDay().toInstant(ZoneOffset.UTC);
    UsageReports.Report report = reports.report(from, to, List.of(UsageStore.Dimension.DAY, UsageStore.Dimension.MODEL),
        Optional.of("key_a")).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    assertEquals("usage", report.object());
    assertEquals(from.toString(), report.from());
    assertEquals(to.toString(), report.to());
    assertEquals(List.of("day", "model"), report.groupBy());
    assertEquals(1, report.data().size());
    UsageReports.Group group = report.data().get(0);
    assertEquals("2026-05-04", group.day());
    assertEquals("gpt", group.model());
    assertEquals(null, group.keyId());
    assertEquals(2, group.requests());
    assertEquals(30, group.promptTokens());
    assertEquals(15, group.completionTokens());
    assertEquals(45, group.totalTokens());
    assertEquals(new BigDecimal("0.625"), group.costUsd(), "at the scale of its digits, not the column's 12");
    assertEquals(200, group.avgLatencyMs());

    UsageReports.Group everyone = reports.report(from, to, List.of(), Optional.empty()).toCompletableFuture()
        .orTimeout(10, TimeUnit.SECONDS).join().data().get(0);
    assertEquals(3, everyone.requests());
    assertEquals(null, everyone.day());
    assertEquals(new BigDecimal("1.625"), everyone.costUsd());
  }
}
