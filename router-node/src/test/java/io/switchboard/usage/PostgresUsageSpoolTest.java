package io.switchboard.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.config.PersistenceSettings;
import io.switchboard.config.Secret;
import io.switchboard.config.UsageSettings;
import io.switchboard.persistence.JdbcPool;
import io.switchboard.persistence.PostgresExtension;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code durability = spooled} on PostgreSQL, as a cluster node that keeps its data directory uses it:
 * answers are acknowledged from the spool, and a node whose process dies before the database write
 * (its pool gone, so not even the stop writes) has its records written exactly once when it starts
 * again on the same directory.
 */
@Tag("integration")
class PostgresUsageSpoolTest {
  @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final UsageSettings SPOOLED = new UsageSettings(Duration.ofHours(1), 100, 1_000,
      UsageSettings.Durability.SPOOLED, Duration.ofSeconds(5));

  private final UsageStore store = new UsageStore();
  @TempDir Path dataDir;

  private JdbcPool pool(ActorTestKit testKit) {
    return JdbcPool.open(testKit.system(), new PersistenceSettings(PersistenceSettings.Store.POSTGRES, dataDir,
        new PersistenceSettings.Postgres(postgres.url(), PostgresExtension.USER, PostgresExtension.PASSWORD_ENV,
            Optional.of(Secret.of(postgres.env().get(PostgresExtension.PASSWORD_ENV))), 4)));
  }

  private ActorRef<UsageLedger.Command> ledger(ActorTestKit testKit, JdbcPool pool) {
    return testKit.spawn(UsageLedger.create(pool, store, SPOOLED,
        UsageSpool.at(dataDir.resolve(UsageSpool.DIRECTORY), new ObjectMapper())));
  }

  @Test
  void spooled_acknowledgesFromTheSpool_andANodeThatDiedBeforeTheDatabaseWrite_replaysItsRecordsOnce() {
    ActorTestKit first = ActorTestKit.create();
    JdbcPool firstPool = pool(first);
    firstPool.runNow(c -> {
      store.createTable(c);
      return null;
    });
    ActorRef<UsageLedger.Command> ledger = ledger(first, firstPool);
    for (String id : List.of("pg-1", "pg-2")) {
      TestProbe<StatusReply<Done>> committed = first.createTestProbe();
      ledger.tell(new UsageLedger.Record(record(id, "0.40"), committed.getRef()));
      assertTrue(committed.receiveMessage(WAIT).isSuccess());
    }
    assertEquals(List.of(), requestIds(firstPool), "acknowledged before any database write");
    firstPool.close(); // the process dies: its stop writes nothing
    first.shutdownTestKit();

    for (int start = 1; start <= 2; start++) {
      ActorTestKit again = ActorTestKit.create();
      JdbcPool pool = pool(again);
      try {
        TestProbe<StatusReply<UsageStore.Spending>> reply = again.createTestProbe();
        ledger(again, pool).tell(new UsageLedger.SpentBy("key_a", 0, reply.getRef()));
        UsageStore.Spending spending = reply.receiveMessage(WAIT).getValue();
        assertEquals(0, new BigDecimal("0.80").compareTo(spending.spentUsd()), "start " + start + ": " + spending);
        assertEquals(List.of("pg-1", "pg-2"), requestIds(pool), "start " + start);
      } finally {
        again.shutdownTestKit();
        pool.close();
      }
    }
  }

  private List<String> requestIds(JdbcPool pool) {
    return pool.runNow(c -> {
      List<String> ids = new ArrayList<>();
      try (ResultSet r = c.createStatement().executeQuery("SELECT request_id FROM " + UsageStore.TABLE
          + " ORDER BY request_id")) {
        while (r.next()) ids.add(r.getString(1));
      }
      return ids;
    });
  }

  private static UsageRecord record(String requestId, String cost) {
    return new UsageRecord(1_764_000_000_000L, requestId, "key_a", "m", "p/m", 10, 5, new BigDecimal(cost), 12, null,
        UsageRecord.SUCCESS);
  }
}
