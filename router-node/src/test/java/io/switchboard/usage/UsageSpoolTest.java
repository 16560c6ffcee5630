package io.switchboard.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.LogCapture;
import io.switchboard.config.PersistenceSettings;
import io.switchboard.config.UsageSettings;
import io.switchboard.persistence.JdbcPool;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
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
 * The ledger writing through its spool ({@code spooled}, and {@code committed} on H2): an answer's
 * record is acknowledged once it is in the spool file, before the database has it; a node that dies
 * before the database write has its spooled records written at the next start, exactly once, and a
 * key's spending read after that counts them; a line torn by the crash is skipped; segments whose
 * records are all in the database are deleted; a spool that cannot be written lets the answer go on
 * and the record still reaches the database.
 *
 * <p>A "crash" here is a ledger stopped while its database refuses every write (no table yet): nothing
 * reaches the database, not even at stop, exactly as after a {@code kill -9}.
 */
@Tag("integration")
class UsageSpoolTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  /** An hour between flushes: within a test, the database is written only when asked or at a replay. */
  private static final UsageSettings SPOOLED = new UsageSettings(Duration.ofHours(1), 100, 1_000,
      UsageSettings.Durability.SPOOLED, Duration.ofSeconds(5));

  private final UsageStore store = new UsageStore();
  private final ObjectMapper mapper = new ObjectMapper();
  @TempDir Path dataDir;
  private ActorTestKit testKit;
  private JdbcPool pool;

  @BeforeEach
  void open() {
    start();
  }

  @AfterEach
  void close() {
    stop();
  }

  /** A node's actor system and pool on {@link #dataDir}'s H2 file. */
  private void start() {
    testKit = ActorTestKit.create();
    pool = JdbcPool.open(testKit.system(), new PersistenceSettings(PersistenceSettings.Store.H2, dataDir, null));
  }

  private void stop() {
    testKit.shutdownTestKit();
    pool.close();
  }

  private Path spoolDir() {
    return dataDir.resolve(UsageSpool.DIRECTORY);
  }

  private ActorRef<UsageLedger.Command> ledger(int segmentRecords) {
    return ledger(SPOOLED, segmentRecords);
  }

  private ActorRef<UsageLedger.Command> ledger(UsageSettings settings, int segmentRecords) {
    return testKit.spawn(UsageLedger.create(pool, store, settings,
        new UsageSpool.Location(spoolDir(), mapper, segmentRecords)));
  }

  private ActorRef<UsageLedger.Command> ledger() {
    return ledger(UsageSpool.DEFAULT_SEGMENT_RECORDS);
  }

  private StatusReply<Done> recordAndWait(ActorRef<UsageLedger.Command> ledger, UsageRecord record) {
    TestProbe<StatusReply<Done>> committed = testKit.createTestProbe();
    ledger.tell(new UsageLedger.Record(record, committed.getRef()));
    return committed.receiveMessage(WAIT);
  }

  @Test
  void aWaiter_isAcknowledgedOnceItsRecordIsSpooled_whileTheDatabaseRefusesEveryWrite() throws IOException {
    ActorRef<UsageLedger.Command> ledger = ledger();
    StatusReply<Done> reply = recordAndWait(ledger, record("req-1", "0.25"));

    assertTrue(reply.isSuccess(), "acknowledged without the database: " + reply);
    assertEquals(0, rows(), "the database has nothing (it has no table)");
    assertTrue(spoolText().contains("\"req-1\""), "the record is in the spool file: " + spoolText());
  }

  @Test
  void aCrashBeforeTheDatabaseWrite_thenANewLedger_writesTheSpooledRecordsOnce_andSpentByCountsThem()
      throws IOException {
    crashAfterSpooling(record("req-1", "0.25"), record("req-2", "0.50"), record("req-3", "1.00"));
    Path copy = copySpool();

    start();
    createTable();
    // Asked at once: answered only after the replay, which it counts, once.
    assertSpent("1.75", 3, spentBy(ledger()));
    assertEquals(List.of("req-1", "req-2", "req-3"), requestIds());

    // Another crash, after the replay's commit and before its segment was deleted: the same records again.
    stop();
    restoreSpool(copy);
    start();
    assertSpent("1.75", 3, spentBy(ledger()));
    assertEquals(List.of("req-1", "req-2", "req-3"), requestIds(), "a record already applied is not inserted again");
  }

  @Test
  void recordsTheDatabaseAlreadyHas_areNotReplayed_norCountedTwice_onlyThoseAfterThem() throws IOException {
    crashAfterSpooling(record("req-1", "0.25"), record("req-2", "0.50"), record("req-3", "1.00"),
        record("req-4", "2.00"));
    String spoolId = Files.readString(spoolDir().resolve(UsageSpool.ID_FILE)).trim();

    start();
    // The database had the first three records: a batch committed just before the crash.
    pool.runNow(c -> {
      store.createTable(c);
      store.insert(c, List.of(record("req-1", "0.25"), record("req-2", "0.50"), record("req-3", "1.00")));
      store.markApplied(c, spoolId, 3);
      return null;
    });
    // One record a batch: the replay's first write (req-1) learns the database has req-1 to req-3, while
    // the spool's req-2 and req-3 are still held here; the question, answered by a later write, counts
    // each record once.
    ActorRef<UsageLedger.Command> ledger = ledger(new UsageSettings(Duration.ofHours(1), 1, 1_000,
        UsageSettings.Durability.SPOOLED, Duration.ofSeconds(5)), UsageSpool.DEFAULT_SEGMENT_RECORDS);
    assertSpent("3.75", 4, spentBy(ledger));
    flush(ledger);
    assertEquals(List.of("req-1", "req-2", "req-3", "req-4"), requestIds());
  }

  @Test
  void aTornLastLine_isSkippedWithAWarning_andTheRecordsBeforeItAreReplayed() throws IOException {
    crashAfterSpooling(record("req-1", "0.25"), record("req-2", "0.50"));
    try (Stream<Path> files = Files.list(spoolDir())) {
      Path segment = files.filter(f -> f.toString().endsWith(UsageSpool.SUFFIX)).sorted().findFirst().orElseThrow();
      // Cut inside a two-byte character: the file no longer ends in valid UTF-8.
      byte[] torn = "{\"seq\":3,\"record\":{\"model\":\"caf\u00e9".getBytes(StandardCharsets.UTF_8);
      Files.write(segment, java.util.Arrays.copyOf(torn, torn.length - 1), StandardOpenOption.APPEND);
    }

    start();
    createTable();
    try (LogCapture log = LogCapture.start()) {
      ActorRef<UsageLedger.Command> ledger = ledger();
      assertSpent("0.75", 2, spentBy(ledger));
      assertTrue(log.lines().stream().anyMatch(line -> line.contains("partial line")), String.join("\n", log.lines()));
      // The ledger goes on: a new record is spooled and written.
      assertTrue(recordAndWait(ledger, record("req-4", "2.00")).isSuccess());
      flush(ledger);
    }
    assertEquals(List.of("req-1", "req-2", "req-4"), requestIds());
  }

  @Test
  void segmentsWhoseRecordsAreAllInTheDatabase_areDeleted() throws IOException {
    createTable();
    ActorRef<UsageLedger.Command> ledger = ledger(2);
    for (int i = 1; i <= 5; i++) assertTrue(recordAndWait(ledger, record("req-" + i, "0.10")).isSuccess());
    assertEquals(3, segments().size(), "two records a segment: " + segments());

    flush(ledger);

    assertEquals(5, rows());
    assertEquals(List.of(UsageSpool.segmentName(5)), segments(), "only the segment still written to is left");
  }

  @Test
  void aSpoolThatCannotBeWritten_tellsTheWaiter_andTheRecordStillReachesTheDatabase() throws IOException {
    createTable();
    ActorRef<UsageLedger.Command> ledger = ledger(1);
    assertTrue(recordAndWait(ledger, record("req-1", "0.25")).isSuccess());
    // The next record needs a new segment, and the spool's directory is gone: as a full disk refuses it.
    deleteSpool();
    Files.writeString(spoolDir(), "not a directory");

    StatusReply<Done> refused = recordAndWait(ledger, record("req-2", "0.50"));
    assertTrue(refused.isError(), refused.toString());
    assertTrue(refused.getError().getMessage().contains("kept"), refused.getError().getMessage());
    flush(ledger);
    assertEquals(List.of("req-1", "req-2"), requestIds());
  }

  /** Spools {@code records} on a ledger whose database refuses writes, then stops the node. */
  private void crashAfterSpooling(UsageRecord... records) {
    ActorRef<UsageLedger.Command> ledger = ledger();
    for (UsageRecord record : records) assertTrue(recordAndWait(ledger, record).isSuccess());
    stop();
    assertTrue(Files.isDirectory(spoolDir()));
  }

  private StatusReply<UsageStore.Spending> spentBy(ActorRef<UsageLedger.Command> ledger) {
    TestProbe<StatusReply<UsageStore.Spending>> reply = testKit.createTestProbe();
    ledger.tell(new UsageLedger.SpentBy("key_a", 0, reply.getRef()));
    return reply.receiveMessage(WAIT);
  }

  private static void assertSpent(String usd, long calls, StatusReply<UsageStore.Spending> reply) {
    assertTrue(reply.isSuccess(), reply.toString());
    UsageStore.Spending spending = reply.getValue();
    assertEquals(0, new BigDecimal(usd).compareTo(spending.spentUsd()), spending.toString());
    assertEquals(calls, spending.recentCalls(), spending.toString());
  }

  private void flush(ActorRef<UsageLedger.Command> ledger) {
    TestProbe<Done> flushed = testKit.createTestProbe();
    ledger.tell(new UsageLedger.Flush(flushed.getRef()));
    flushed.expectMessage(WAIT, Done.getInstance());
  }

  private void createTable() {
    pool.runNow(c -> {
      store.createTable(c);
      return null;
    });
  }

  private long rows() {
    return requestIds().size();
  }

  private List<String> requestIds() {
    return pool.runNow(c -> {
      List<String> ids = new ArrayList<>();
      try {
        c.createStatement().executeQuery("SELECT 1 FROM " + UsageStore.TABLE + " WHERE 1 = 0").close();
      } catch (java.sql.SQLException noTable) {
        return ids;
      }
      try (ResultSet r = c.createStatement().executeQuery("SELECT request_id FROM " + UsageStore.TABLE
          + " ORDER BY request_id")) {
        while (r.next()) ids.add(r.getString(1));
      }
      return ids;
    });
  }

  private List<String> segments() throws IOException {
    try (Stream<Path> files = Files.list(spoolDir())) {
      return files.map(f -> f.getFileName().toString()).filter(name -> name.endsWith(UsageSpool.SUFFIX)).sorted()
          .toList();
    }
  }

  private String spoolText() throws IOException {
    StringBuilder text = new StringBuilder();
    for (String segment : segments()) text.append(Files.readString(spoolDir().resolve(segment)));
    return text.toString();
  }

  /** The spool's segments as they are now, to put back later (the id stays). */
  private Path copySpool() throws IOException {
    Path copy = Files.createTempDirectory(dataDir, "spool-copy");
    for (String segment : segments()) Files.copy(spoolDir().resolve(segment), copy.resolve(segment));
    return copy;
  }

  private void restoreSpool(Path copy) throws IOException {
    try (Stream<Path> files = Files.list(copy)) {
      for (Path file : files.toList()) {
        Files.copy(file, spoolDir().resolve(file.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private void deleteSpool() throws IOException {
    try (Stream<Path> files = Files.list(spoolDir())) {
      for (Path file : files.toList()) Files.delete(file);
    }
    Files.delete(spoolDir());
  }

  private static UsageRecord record(String requestId, String cost) {
    return new UsageRecord(1_764_000_000_000L, requestId, "key_a", "m", "p/m", 10, 5, new BigDecimal(cost), 12, null,
        UsageRecord.SUCCESS);
  }
}
