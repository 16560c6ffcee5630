package io.switchboard.keys;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@value #TABLE} table: one row per virtual key, holding the SHA-256 of its secret (see {@link
 * KeySecrets} for why that suffices), never the secret. Plain JDBC over a connection the caller gives
 * (see {@code JdbcPool}), the same SQL on H2 and PostgreSQL. Revoking keeps the row, so usage records
 * keep naming a key that exists.
 */
public final class KeyStore {
  public static final String TABLE = "switchboard_api_keys";

  static final String DDL = "CREATE TABLE IF NOT EXISTS " + TABLE + " ("
      + "id VARCHAR(64) PRIMARY KEY, "
      + "name VARCHAR(200) NOT NULL, "
      + "secret_sha256 CHAR(64) NOT NULL UNIQUE, "
      + "allowed_models VARCHAR(8000) NOT NULL, "
      + "requests_per_minute INTEGER NOT NULL, "
      + "tokens_per_minute BIGINT NOT NULL, "
      + "budget_usd DECIMAL(38, 12), "
      + "expires_at_ms BIGINT, "
      + "cache_enabled BOOLEAN NOT NULL, "
      + "created_at_ms BIGINT NOT NULL, "
      + "revoked_at_ms BIGINT)";

  private static final String COLUMNS = "id, name, allowed_models, requests_per_minute, tokens_per_minute, budget_usd,"
      + " expires_at_ms, cache_enabled, created_at_ms, revoked_at_ms";

  private final ObjectMapper mapper;

  public KeyStore(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** Creates the table when it is missing; harmless on every later start. */
  public void createTable(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(DDL);
    }
  }

  public void insert(Connection c, ApiKey key, String secretHash) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO " + TABLE + " (" + COLUMNS + ", secret_sha256)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, key.id());
      s.setString(2, key.name());
      s.setString(3, json(key.allowedModels()));
      s.setInt(4, key.requestsPerMinute());
      s.setLong(5, key.tokensPerMinute());
      if (key.budgetUsd().isPresent()) s.setBigDecimal(6, key.budgetUsd().get());
      else s.setNull(6, Types.DECIMAL);
      setMillis(s, 7, key.expiresAt());
      s.setBoolean(8, key.cache());
      s.setLong(9, key.createdAt().toEpochMilli());
      setMillis(s, 10, key.revokedAt());
      s.setString(11, secretHash);
      s.executeUpdate();
    }
  }

  public Optional<ApiKey> byId(Connection c, String id) throws SQLException {
    return one(c, "id", id);
  }

  public Optional<ApiKey> bySecretHash(Connection c, String hash) throws SQLException {
    return one(c, "secret_sha256", hash);
  }

  /** Every key, revoked ones included, oldest first. */
  public List<ApiKey> all(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM " + TABLE + " ORDER BY created_at_ms, id");
        ResultSet r = s.executeQuery()) {
      List<ApiKey> keys = new ArrayList<>();
      while (r.next()) keys.add(read(r));
      return keys;
    }
  }

  /** Marks the key revoked at {@code at}, unless it already was; empty when no such key exists. */
  public Optional<ApiKey> revoke(Connection c, String id, Instant at) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE " + TABLE + " SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL")) {
      s.setLong(1, at.toEpochMilli());
      s.setString(2, id);
      s.executeUpdate();
    }
    return byId(c, id);
  }

  private Optional<ApiKey> one(Connection c, String column, String value) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM " + TABLE + " WHERE " + column + " = ?")) {
      s.setString(1, value);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? Optional.of(read(r)) : Optional.empty();
      }
    }
  }

  private ApiKey read(ResultSet r) throws SQLException {
    BigDecimal budget = r.getBigDecimal("budget_usd");
    return new ApiKey(r.getString("id"), r.getString("name"), models(r.getString("allowed_models")),
        r.getInt("requests_per_minute"), r.getLong("tokens_per_minute"),
        Optional.ofNullable(budget).map(BigDecimal::stripTrailingZeros), millis(r, "expires_at_ms"),
        r.getBoolean("cache_enabled"), Instant.ofEpochMilli(r.getLong("created_at_ms")), millis(r, "revoked_at_ms"));
  }

  private static Optional<Instant> millis(ResultSet r, String column) throws SQLException {
    long value = r.getLong(column);
    return r.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(value));
  }

  private static void setMillis(PreparedStatement s, int index, Optional<Instant> at) throws SQLException {
    if (at.isPresent()) s.setLong(index, at.get().toEpochMilli());
    else s.setNull(index, Types.BIGINT);
  }

  private String json(Set<String> models) {
    try {
      return mapper.writeValueAsString(models.stream().sorted().toList());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private Set<String> models(String json) {
    try {
      return Set.copyOf(mapper.readValue(json, new TypeReference<List<String>>() {}));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("allowed_models of a key is not a JSON list: " + e.getMessage(), e);
    }
  }
}
