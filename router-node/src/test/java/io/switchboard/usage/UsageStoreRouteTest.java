package io.switchboard.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The ledger keeps an auto route's name and reason beside the model it chose, and a ledger table created
 * before routes existed gains the columns at start-up, its rows kept (an in-memory H2 database).
 */
@Tag("unit")
class UsageStoreRouteTest {
  private final UsageStore store = new UsageStore();

  @Test
  void aTableWithoutRouteColumns_gainsThem_andARoutedRecordKeepsRouteAndReason() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:h2:mem:usage-route-" + System.nanoTime())) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE " + UsageStore.TABLE + " (at_ms BIGINT NOT NULL, request_id VARCHAR(200),"
            + " key_id VARCHAR(64), model VARCHAR(400) NOT NULL, deployment VARCHAR(400) NOT NULL,"
            + " prompt_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL, cost_usd DECIMAL(38, 12) NOT NULL,"
            + " latency_ms BIGINT NOT NULL, ttft_ms BIGINT, outcome VARCHAR(100) NOT NULL)");
        s.execute("INSERT INTO " + UsageStore.TABLE + " VALUES (1, 'old', NULL, 'gpt', 'oai/gpt-4o', 1, 1, 0, 5,"
            + " NULL, 'success')");
      }

      store.createTable(c);
      store.createTable(c);
      store.insert(c, List.of(new UsageRecord(2, "new", null, "coder", "simulated/coder-1", 10, 5,
          new BigDecimal("0.0001"), 7, null, UsageRecord.SUCCESS, "auto", "task=code(fence:python); chose coder")));

      try (Statement s = c.createStatement();
          ResultSet r = s.executeQuery("SELECT request_id, model, route, route_reason FROM " + UsageStore.TABLE
              + " ORDER BY at_ms")) {
        assertTrue(r.next());
        assertEquals("old", r.getString(1));
        assertNull(r.getString(3), "a row from before routes has none");
        assertTrue(r.next());
        assertEquals("coder", r.getString(2));
        assertEquals("auto", r.getString(3));
        assertEquals("task=code(fence:python); chose coder", r.getString(4));
        assertFalse(r.next());
      }
    }
  }
}
