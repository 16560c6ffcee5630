package io.switchboard.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.usage.UsageStore.Dimension;
import io.switchboard.usage.UsageStore.Row;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The usage table: what a key has spent, and the aggregates reports are made of, over an in-memory H2. */
@Tag("unit")
class UsageStoreTest {
  private static final long DAY = UsageStore.DAY_MILLIS;
  private static final long MAY_4 = LocalDate.of(2026, 5, 4).toEpochDay() * DAY;
  private final UsageStore store = new UsageStore();
  private Connection c;

  @BeforeEach
  void open() throws SQLException {
    c = DriverManager.getConnection("jdbc:h2:mem:usage-store-" + System.nanoTime());
    store.createTable(c);
  }

  @AfterEach
  void close() throws SQLException {
    c.close();
  }

  private static UsageRecord record(long at, String key, String model, String deployment, long prompt, long completion,
      String cost, long latency) {
    return new UsageRecord(at, "req", key, model, deployment, prompt, completion, new BigDecimal(cost), latency, null,
        UsageRecord.SUCCESS);
  }

  private void seed() throws SQLException {
    store.insert(c, List.of(
        record(MAY_4 + 1_000, "key_a", "gpt", "oai/gpt-4o", 10, 5, "0.10", 100),
        record(MAY_4 + 2_000, "key_a", "claude", "ant/sonnet", 20, 10, "0.20", 300),
        record(MAY_4 + DAY + 1_000, "key_b", "gpt", "oai/gpt-4o", 30, 15, "0.30", 500),
        record(MAY_4 + DAY + 2_000, null, "gpt", "oai/gpt-4o-mini", 1, 1, "0.01", 50)));
  }

  @Test
  void spentBy_sumsAKeysCosts_andIsZeroForAKeyWithoutRecords() throws SQLException {
    seed();
    assertEquals(0, new BigDecimal("0.30").compareTo(store.spentBy(c, "key_a")));
    assertEquals(0, new BigDecimal("0.30").compareTo(store.spentBy(c, "key_b")));
    assertEquals(BigDecimal.ZERO, store.spentBy(c, "key_none"));
    store.insert(c, List.of());
    assertEquals(0, new BigDecimal("0.30").compareTo(store.spentBy(c, "key_a")), "an empty batch adds nothing");
  }

  @Test
  void aggregate_withoutGrouping_isOneRowOfTotals_overAHalfOpenRange() throws SQLException {
    seed();
    List<Row> all = store.aggregate(c, MAY_4 + 1_000, MAY_4 + DAY + 2_000, List.of(), Optional.empty());
    assertEquals(1, all.size());
    Row total = all.get(0);
    assertNull(total.keyId());
    assertNull(total.day());
    assertEquals(3, total.requests(), "from is inclusive, to exclusive");
    assertEquals(60, total.promptTokens());
    assertEquals(30, total.completionTokens());
    assertEquals(0, new BigDecimal("0.60").compareTo(total.costUsd()));
    assertEquals(900, total.totalLatencyMs());
    assertEquals(List.of(), store.aggregate(c, 0, MAY_4, List.of(), Optional.empty()), "no requests, no row");
  }

  @Test
  void aggregate_groupsByEachDimension_inOrder() throws SQLException {
    seed();
    long to = MAY_4 + 2 * DAY;
    List<Row> byKey = store.aggregate(c, MAY_4, to, List.of(Dimension.KEY), Optional.empty());
    assertEquals(3, byKey.size());
    assertEquals(List.of("key_a", "key_b"), byKey.stream().map(Row::keyId).filter(k -> k != null).toList());
    Row keyA = byKey.stream().filter(r -> "key_a".equals(r.keyId())).findFirst().orElseThrow();
    assertEquals(2, keyA.requests());
    assertNull(keyA.model());

    List<Row> byModel = store.aggregate(c, MAY_4, to, List.of(Dimension.MODEL), Optional.empty());
    assertEquals(List.of("claude", "gpt"), byModel.stream().map(Row::model).toList());
    assertEquals(3, byModel.get(1).requests());

    List<Row> byDeployment = store.aggregate(c, MAY_4, to, List.of(Dimension.DEPLOYMENT), Optional.empty());
    assertEquals(List.of("ant/sonnet", "oai/gpt-4o", "oai/gpt-4o-mini"),
        byDeployment.stream().map(Row::deployment).toList());

    List<Row> byDay = store.aggregate(c, MAY_4, to, List.of(Dimension.DAY), Optional.empty());
    assertEquals(List.of(LocalDate.of(2026, 5, 4), LocalDate.of(2026, 5, 5)), byDay.stream().map(Row::day).toList());
    assertEquals(0, new BigDecimal("0.31").compareTo(byDay.get(1).costUsd()));
  }

  @Test
  void aggregate_byTwoDimensions_andOfOneKey() throws SQLException {
    seed();
    List<Row> rows = store.aggregate(c, MAY_4, MAY_4 + 2 * DAY, List.of(Dimension.DAY, Dimension.MODEL),
        Optional.of("key_a"));
    assertEquals(2, rows.size());
    assertEquals(LocalDate.of(2026, 5, 4), rows.get(0).day());
    assertEquals("claude", rows.get(0).model());
    assertEquals(20, rows.get(0).promptTokens());
    assertEquals(10, rows.get(0).completionTokens());
    assertEquals(300, rows.get(0).totalLatencyMs());
    assertEquals("gpt", rows.get(1).model());
    assertNull(rows.get(1).keyId());
  }

  @Test
  void insert_keepsEveryField_truncatesOverlongNames_andStoresAMissingTtfmAsNull() throws SQLException {
    String longModel = "m".repeat(450);
    store.insert(c, List.of(
        new UsageRecord(7, "r".repeat(250), "key_a", longModel, "d".repeat(401), 3, 4, new BigDecimal("0.5"), 9, 2L,
            "upstream_timeout", "auto", "x".repeat(1_200)),
        new UsageRecord(8, null, null, "gpt", "oai/gpt", 1, 1, BigDecimal.ZERO, 1, null, UsageRecord.SUCCESS)));
    try (ResultSet r = c.createStatement().executeQuery("SELECT at_ms, request_id, key_id, model, deployment,"
        + " prompt_tokens, completion_tokens, cost_usd, latency_ms, ttft_ms, outcome, route, route_reason FROM "
        + UsageStore.TABLE + " ORDER BY at_ms")) {
      assertTrue(r.next());
      assertEquals(7, r.getLong(1));
      assertEquals(200, r.getString(2).length());
      assertEquals("key_a", r.getString(3));
      assertEquals(400, r.getString(4).length());
      assertEquals(400, r.getString(5).length());
      assertEquals(3, r.getLong(6));
      assertEquals(4, r.getLong(7));
      assertEquals(0, new BigDecimal("0.5").compareTo(r.getBigDecimal(8)));
      assertEquals(9, r.getLong(9));
      assertEquals(2, r.getLong(10));
      assertEquals("upstream_timeout", r.getString(11));
      assertEquals("auto", r.getString(12));
      assertEquals(1_000, r.getString(13).length());
      assertTrue(r.next());
      assertNull(r.getString(2));
      r.getLong(10);
      assertTrue(r.wasNull(), "no time to first token for a call that did not stream");
      assertEquals("gpt", r.getString(4));
    }
  }
}
