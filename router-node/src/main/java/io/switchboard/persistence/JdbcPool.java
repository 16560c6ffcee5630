package io.switchboard.persistence;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.switchboard.config.PersistenceSettings;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;

/**
 * A small connection pool over the node's own database (the one persistence uses, {@link
 * PersistenceConfig#jdbcUrl}), for Switchboard's plain tables: keys and the usage ledger. Every call
 * runs on Pekko's blocking-IO dispatcher, never on the default dispatcher that serves requests.
 *
 * <p>Why not the persistence plugin's pool: that one belongs to Slick and is reachable only through its
 * Scala API. Two connections are enough here: writes are batched and reads are rare.
 *
 * <pre>{@code
 * JdbcPool pool = JdbcPool.open(system, settings.persistence());
 * pool.run(connection -> store.insert(connection, batch)).thenAccept(...);
 * }</pre>
 */
public final class JdbcPool implements AutoCloseable {
  static final int MAX_CONNECTIONS = 2;

  /** Work on one connection, in one transaction that commits when it returns. */
  @FunctionalInterface
  public interface Work<T> {
    T apply(Connection connection) throws SQLException;
  }

  private final HikariDataSource dataSource;
  private final Executor blocking;

  private JdbcPool(HikariDataSource dataSource, Executor blocking) {
    this.dataSource = dataSource;
    this.blocking = blocking;
  }

  public static JdbcPool open(ActorSystem<?> system, PersistenceSettings settings) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("switchboard-tables");
    config.setJdbcUrl(PersistenceConfig.jdbcUrl(settings));
    switch (settings.store()) {
      case H2, H2_MEMORY -> {
        config.setDriverClassName("org.h2.Driver");
        config.setUsername("sa");
        config.setPassword("");
      }
      case POSTGRES -> {
        config.setDriverClassName("org.postgresql.Driver");
        config.setUsername(settings.postgres().user());
        settings.postgres().password().ifPresent(secret -> config.setPassword(secret.reveal()));
      }
    }
    config.setMaximumPoolSize(MAX_CONNECTIONS);
    config.setMinimumIdle(0);
    config.setAutoCommit(false);
    // Fail start-up through the first query rather than in the constructor: the caller reports it.
    config.setInitializationFailTimeout(-1);
    return new JdbcPool(new HikariDataSource(config), system.dispatchers().lookup(DispatcherSelector.blocking()));
  }

  /** Runs {@code work} in a transaction on the blocking dispatcher; rolls back if it throws. */
  public <T> CompletionStage<T> run(Work<T> work) {
    return CompletableFuture.supplyAsync(() -> runNow(work), blocking);
  }

  /** Runs {@code steps} (which may call {@link #runNow} several times) on the blocking dispatcher. */
  public <T> CompletionStage<T> runSteps(java.util.function.Supplier<T> steps) {
    return CompletableFuture.supplyAsync(steps, blocking);
  }

  /** Runs {@code work} on the calling thread: only for start-up and the ledger's last flush at stop. */
  public <T> T runNow(Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      try {
        T result = work.apply(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StateStoreException("database call failed: " + e.getMessage(), e);
    }
  }

  public boolean isClosed() {
    return dataSource.isClosed();
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
