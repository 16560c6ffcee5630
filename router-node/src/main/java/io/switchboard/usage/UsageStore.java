package io.switchboard.usage;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The {@value #TABLE} table: the append-only usage ledger, the truth for cost and for what each key has
 * spent. Plain JDBC over a connection the caller gives, the same SQL on H2 and PostgreSQL. Times are
 * epoch milliseconds; a day is a UTC day.
 */
public final class UsageStore {
  public static final String TABLE = "switchboard_usage";
  /** How far each node's usage spool ({@link UsageSpool}) is in {@value #TABLE}: one row per spool. */
  public static final String SPOOL_TABLE = "switchboard_usage_spool";
  static final long DAY_MILLIS = 86_400_000L;

  private static final String[] DDL = {
      "CREATE TABLE IF NOT EXISTS " + TABLE + " ("
          + "at_ms BIGINT NOT NULL, "
          + "request_id VARCHAR(200), "
          + "key_id VARCHAR(64), "
          + "model VARCHAR(400) NOT NULL, "
          + "deployment VARCHAR(400) NOT NULL, "
          + "prompt_tokens BIGINT NOT NULL, "
          + "completion_tokens BIGINT NOT NULL, "
          + "cost_usd DECIMAL(38, 12) NOT NULL, "
          + "latency_ms BIGINT NOT NULL, "
          + "ttft_ms BIGINT, "
          + "outcome VARCHAR(100) NOT NULL)",
      "CREATE INDEX IF NOT EXISTS " + TABLE + "_key_at ON " + TABLE + " (key_id, at_ms)",
      // Added with auto routes; a table created before them gains the columns at the next start.
      "ALTER TABLE " + TABLE + " ADD COLUMN IF NOT EXISTS route VARCHAR(400)",
      "ALTER TABLE " + TABLE + " ADD COLUMN IF NOT EXISTS route_reason VARCHAR(1000)",
      "CREATE INDEX IF NOT EXISTS " + TABLE + "_at ON " + TABLE + " (at_ms)",
      "CREATE TABLE IF NOT EXISTS " + SPOOL_TABLE + " ("
          + "spool_id VARCHAR(64) NOT NULL PRIMARY KEY, "
          + "applied_seq BIGINT NOT NULL)"
  };

  /** A dimension usage can be grouped by. */
  public enum Dimension {
    KEY("key_id"), MODEL("model"), DEPLOYMENT("deployment"), DAY("(at_ms / " + DAY_MILLIS + ")"),
    /** The request's id: a fan-out's calls share it. */
    REQUEST("request_id"),
    /** The auto route or fan-out asked for (null when the client named a model). */
    ROUTE("route");

    final String sql;

    Dimension(String sql) {
      this.sql = sql;
    }
  }

  /** One group of {@link #aggregate}: the dimensions asked for are set, the others null. */
  public record Row(String keyId, String model, String deployment, LocalDate day, String requestId, String route,
      long requests, long promptTokens,
      long completionTokens, BigDecimal costUsd, long totalLatencyMs) {}

  /**
   * What a key has spent over its life, and how many calls and tokens it used since a moment (the last
   * minute, for its rate limits after a restart).
   */
  public record Spending(BigDecimal spentUsd, long recentCalls, long recentTokens) {
    public static final Spending NONE = new Spending(BigDecimal.ZERO, 0, 0);

    /** This plus {@code record} if it is {@code keyId}'s; in the recent part if not before {@code sinceMillis}. */
    Spending plus(UsageRecord record, String keyId, long sinceMillis) {
      if (!keyId.equals(record.keyId())) return this;
      boolean recent = record.atEpochMillis() >= sinceMillis;
      return new Spending(spentUsd.add(record.costUsd()), recentCalls + (recent ? 1 : 0),
          recentTokens + (recent ? record.promptTokens() + record.completionTokens() : 0));
    }
  }

  public void createTable(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String ddl : DDL) s.execute(ddl);
    }
  }

  public void insert(Connection c, List<UsageRecord> records) throws SQLException {
    if (records.isEmpty()) return;
    try (PreparedStatement s = c.prepareStatement("INSERT INTO " + TABLE + " (at_ms, request_id, key_id, model,"
        + " deployment, prompt_tokens, completion_tokens, cost_usd, latency_ms, ttft_ms, outcome, route, route_reason)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (UsageRecord r : records) {
        s.setLong(1, r.atEpochMillis());
        s.setString(2, truncate(r.requestId(), 200));
        s.setString(3, r.keyId());
        s.setString(4, truncate(r.model(), 400));
        s.setString(5, truncate(r.deployment(), 400));
        s.setLong(6, r.promptTokens());
        s.setLong(7, r.completionTokens());
        s.setBigDecimal(8, r.costUsd());
        s.setLong(9, r.latencyMs());
        if (r.ttftMs() == null) s.setNull(10, Types.BIGINT);
        else s.setLong(10, r.ttftMs());
        s.setString(11, r.outcome());
        s.setString(12, truncate(r.route(), 400));
        s.setString(13, truncate(r.routeReason(), 1000));
        s.addBatch();
      }
      s.executeBatch();
    }
  }

  /** The highest sequence number of spool {@code spoolId} whose record is in the table; 0 before the first. */
  public long appliedSeq(Connection c, String spoolId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT applied_seq FROM " + SPOOL_TABLE + " WHERE spool_id = ?")) {
      s.setString(1, spoolId);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? r.getLong(1) : 0;
      }
    }
  }

  /**
   * Records that spool {@code spoolId}'s records up to {@code seq} are in the table: call it in the
   * transaction that inserts them, so a crash loses both or neither. One ledger writes a spool's row.
   */
  public void markApplied(Connection c, String spoolId, long seq) throws SQLException {
    try (PreparedStatement update = c.prepareStatement("UPDATE " + SPOOL_TABLE + " SET applied_seq = ?"
        + " WHERE spool_id = ?")) {
      update.setLong(1, seq);
      update.setString(2, spoolId);
      if (update.executeUpdate() > 0) return;
    }
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + SPOOL_TABLE + " (spool_id, applied_seq)"
        + " VALUES (?, ?)")) {
      insert.setString(1, spoolId);
      insert.setLong(2, seq);
      insert.executeUpdate();
    }
  }

  /** What {@code keyId} has cost so far, over its whole life. */
  public BigDecimal spentBy(Connection c, String keyId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT SUM(cost_usd) FROM " + TABLE + " WHERE key_id = ?")) {
      s.setString(1, keyId);
      try (ResultSet r = s.executeQuery()) {
        BigDecimal sum = r.next() ? r.getBigDecimal(1) : null;
        return sum == null ? BigDecimal.ZERO : sum;
      }
    }
  }

  /**
   * {@code keyId}'s whole spend, and its calls and tokens at or after {@code sinceMillis}: every call
   * counts, a retried or failed one too, which errs on the side of the limit.
   */
  public Spending spending(Connection c, String keyId, long sinceMillis) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*), SUM(prompt_tokens + completion_tokens) FROM "
        + TABLE + " WHERE key_id = ? AND at_ms >= ?")) {
      s.setString(1, keyId);
      s.setLong(2, sinceMillis);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return new Spending(spentBy(c, keyId), r.getLong(1), r.getLong(2));
      }
    }
  }

  /**
   * Makes what this connection committed survive the process being killed. PostgreSQL's commit already
   * does (its write-ahead log is flushed at commit). H2's MVStore keeps commits in memory and writes them
   * to the file in the background about every half second, so a {@code kill -9} lost them: its {@code
   * CHECKPOINT} writes them now. It does not {@code fsync}, so a power cut can still lose them; the file
   * is written, and the operating system has it.
   */
  public void writeThrough(Connection c) throws SQLException {
    if (!"H2".equals(c.getMetaData().getDatabaseProductName())) return;
    try (Statement s = c.createStatement()) {
      s.execute("CHECKPOINT");
    }
  }

  /** Requests, tokens, cost and latency in {@code [fromMillis, toMillis)}, grouped, optionally of one key. */
  public List<Row> aggregate(Connection c, long fromMillis, long toMillis, List<Dimension> groupBy,
      Optional<String> keyId) throws SQLException {
    String dims = groupBy.stream().map(d -> d.sql + " AS g_" + d.name().toLowerCase()).collect(Collectors.joining(", "));
    String group = groupBy.stream().map(d -> d.sql).collect(Collectors.joining(", "));
    String sql = "SELECT " + (dims.isEmpty() ? "" : dims + ", ")
        + "COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cost_usd), SUM(latency_ms) FROM " + TABLE
        + " WHERE at_ms >= ? AND at_ms < ?" + (keyId.isPresent() ? " AND key_id = ?" : "")
        + (group.isEmpty() ? "" : " GROUP BY " + group + " ORDER BY " + group);
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setLong(1, fromMillis);
      s.setLong(2, toMillis);
      if (keyId.isPresent()) s.setString(3, keyId.get());
      List<Row> rows = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          int col = groupBy.size();
          long requests = r.getLong(col + 1);
          if (requests == 0) continue;
          rows.add(new Row(
              groupBy.contains(Dimension.KEY) ? r.getString(groupBy.indexOf(Dimension.KEY) + 1) : null,
              groupBy.contains(Dimension.MODEL) ? r.getString(groupBy.indexOf(Dimension.MODEL) + 1) : null,
              groupBy.contains(Dimension.DEPLOYMENT) ? r.getString(groupBy.indexOf(Dimension.DEPLOYMENT) + 1) : null,
              groupBy.contains(Dimension.DAY)
                  ? LocalDate.ofEpochDay(r.getLong(groupBy.indexOf(Dimension.DAY) + 1)) : null,
              groupBy.contains(Dimension.REQUEST) ? r.getString(groupBy.indexOf(Dimension.REQUEST) + 1) : null,
              groupBy.contains(Dimension.ROUTE) ? r.getString(groupBy.indexOf(Dimension.ROUTE) + 1) : null,
              requests, r.getLong(col + 2), r.getLong(col + 3),
              Optional.ofNullable(r.getBigDecimal(col + 4)).orElse(BigDecimal.ZERO), r.getLong(col + 5)));
        }
      }
      return rows;
    }
  }

  private static String truncate(String value, int max) {
    return value == null || value.length() <= max ? value : value.substring(0, max);
  }
}
