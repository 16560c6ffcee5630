package io.switchboard.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.switchboard.config.PersistenceSettings;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns {@code switchboard.persistence} into the Pekko Persistence JDBC settings, layered over the
 * loaded configuration before the actor system is created (the plugins read their settings only
 * from the system's configuration).
 *
 * <pre>{@code
 * Config config = PersistenceConfig.layeredOver(loaded, settings.persistence());
 * ActorSystem.create(Guardian.create(settings, started), "switchboard", config);
 * }</pre>
 *
 * <p>The durable state store, the journal, its read side and the snapshot store all use one shared
 * connection pool ({@code pekko-persistence-jdbc.shared-databases.slick}), so one database holds
 * everything and a node opens one pool, whichever plugins it uses. The pool's other settings keep
 * the plugin's defaults and can be changed under that path in a {@code --config} file.
 *
 * <p>The PostgreSQL password ends up in the returned {@code Config}, because that is where the
 * connection pool reads it: never render that configuration into a log
 * ({@code pekko.log-config-on-start} stays off).
 */
public final class PersistenceConfig {
  /** The durable state plugin provider actors keep their state in. */
  public static final String DURABLE_STATE_PLUGIN = "jdbc-durable-state-store";
  public static final String JOURNAL_PLUGIN = "jdbc-journal";
  public static final String SNAPSHOT_PLUGIN = "jdbc-snapshot-store";
  public static final String READ_JOURNAL_PLUGIN = "jdbc-read-journal";

  /** The shared database every plugin uses; its defaults come from the plugin's reference.conf. */
  static final String SHARED_DB = "slick";

  /**
   * Connections to the embedded H2 database: it lives in this process, so a few suffice for batched
   * state writes.
   */
  static final int H2_MAX_CONNECTIONS = 4;

  private PersistenceConfig() {}

  /** {@code loaded} with the persistence plugins configured for the chosen store. */
  public static Config layeredOver(Config loaded, PersistenceSettings settings) {
    return of(settings).withFallback(loaded);
  }

  /** The JDBC URL of the store: every pool of this node (the plugins', {@link JdbcPool}) opens the same database. */
  public static String jdbcUrl(PersistenceSettings settings) {
    return switch (settings.store()) {
      case H2 -> "jdbc:h2:file:" + settings.h2Database() + ";DATABASE_TO_UPPER=FALSE;DB_CLOSE_ON_EXIT=FALSE";
      case POSTGRES -> settings.postgres().url();
      case H2_MEMORY -> "jdbc:h2:mem:" + settings.memoryName() + ";DATABASE_TO_UPPER=FALSE";
    };
  }

  /** Only the keys Switchboard sets: plugin ids, the shared database, and which plugins use it. */
  public static Config of(PersistenceSettings settings) {
    Map<String, Object> keys = new HashMap<>();
    keys.put("pekko.persistence.state.plugin", DURABLE_STATE_PLUGIN);
    keys.put("pekko.persistence.journal.plugin", JOURNAL_PLUGIN);
    keys.put("pekko.persistence.snapshot-store.plugin", SNAPSHOT_PLUGIN);
    for (String plugin : new String[] {DURABLE_STATE_PLUGIN, JOURNAL_PLUGIN, SNAPSHOT_PLUGIN, READ_JOURNAL_PLUGIN}) {
      keys.put(plugin + ".use-shared-db", SHARED_DB);
    }
    String db = "pekko-persistence-jdbc.shared-databases." + SHARED_DB;
    int maxConnections = switch (settings.store()) {
      case H2, H2_MEMORY -> {
        keys.put(db + ".profile", "slick.jdbc.H2Profile$");
        keys.put(db + ".db.driver", "org.h2.Driver");
        // DATABASE_TO_UPPER=FALSE: the plugin's hand-written durable state SQL names its tables
        // unquoted and in lower case, as its DDL creates them. DB_CLOSE_ON_EXIT=FALSE: H2's own exit
        // hook would close the database before Pekko's coordinated shutdown has written the last
        // state; the pool closes it when the actor system terminates instead.
        keys.put(db + ".db.url", jdbcUrl(settings));
        keys.put(db + ".db.user", "sa");
        keys.put(db + ".db.password", "");
        yield H2_MAX_CONNECTIONS;
      }
      case POSTGRES -> {
        PersistenceSettings.Postgres pg = settings.postgres();
        keys.put(db + ".profile", "slick.jdbc.PostgresProfile$");
        keys.put(db + ".db.driver", "org.postgresql.Driver");
        keys.put(db + ".db.url", pg.url());
        keys.put(db + ".db.user", pg.user());
        pg.password().ifPresent(secret -> keys.put(db + ".db.password", secret.reveal()));
        yield pg.maxConnections();
      }
    };
    // Slick runs one blocking JDBC call per thread: as many threads as connections, no more.
    keys.put(db + ".db.numThreads", maxConnections);
    keys.put(db + ".db.maxConnections", maxConnections);
    keys.put(db + ".db.minConnections", 1);
    return ConfigFactory.parseMap(keys, "switchboard.persistence (" + settings.store().configName() + ")");
  }
}
