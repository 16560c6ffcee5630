package io.switchboard.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.config.PersistenceSettings;
import io.switchboard.config.SwitchboardSettings;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The Pekko Persistence JDBC settings each store turns into. */
@Tag("unit")
class PersistenceConfigTest {
  private static final String DB = "pekko-persistence-jdbc.shared-databases.slick.";

  private static Config nodeConfig(String hocon, Map<String, String> env) {
    Config loaded = ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve();
    PersistenceSettings settings = SwitchboardSettings.from(loaded, env::get).persistence();
    return PersistenceConfig.layeredOver(loaded, settings).resolve();
  }

  @Test
  void everyPlugin_isSet_andSharesOneDatabase() {
    Config config = nodeConfig("", Map.of());

    assertEquals("jdbc-durable-state-store", config.getString("pekko.persistence.state.plugin"));
    assertEquals("jdbc-journal", config.getString("pekko.persistence.journal.plugin"));
    assertEquals("jdbc-snapshot-store", config.getString("pekko.persistence.snapshot-store.plugin"));
    for (String plugin : new String[] {"jdbc-durable-state-store", "jdbc-journal", "jdbc-snapshot-store", "jdbc-read-journal"}) {
      assertEquals("slick", config.getString(plugin + ".use-shared-db"), plugin);
    }
    // The plugin's own pool defaults still apply beneath ours.
    assertEquals("HikariCP", config.getString(DB + "db.connectionPool"));
  }

  @Test
  void h2_isAFileInTheDataDirectory() {
    Path dir = Path.of("/var/lib/switchboard");
    Config config = nodeConfig("switchboard.persistence.data-dir = \"" + dir + "\"", Map.of());

    assertEquals("slick.jdbc.H2Profile$", config.getString(DB + "profile"));
    assertEquals("org.h2.Driver", config.getString(DB + "db.driver"));
    assertTrue(config.getString(DB + "db.url").startsWith("jdbc:h2:file:" + dir.resolve("switchboard") + ";"),
        config.getString(DB + "db.url"));
    assertEquals(PersistenceConfig.H2_MAX_CONNECTIONS, config.getInt(DB + "db.maxConnections"));
    assertEquals(PersistenceConfig.H2_MAX_CONNECTIONS, config.getInt(DB + "db.numThreads"));
  }

  @Test
  void postgres_connectsWithTheConfiguredUserPasswordAndPoolSize() {
    Config config = nodeConfig("""
        switchboard.persistence { store = postgres, postgres { url = "jdbc:postgresql://db:5432/sb", max-connections = 7 } }
        """, Map.of("SWITCHBOARD_DB_PASSWORD", "pw"));

    assertEquals("slick.jdbc.PostgresProfile$", config.getString(DB + "profile"));
    assertEquals("org.postgresql.Driver", config.getString(DB + "db.driver"));
    assertEquals("jdbc:postgresql://db:5432/sb", config.getString(DB + "db.url"));
    assertEquals("switchboard", config.getString(DB + "db.user"));
    assertEquals("pw", config.getString(DB + "db.password"));
    assertEquals(7, config.getInt(DB + "db.maxConnections"));
    assertEquals(7, config.getInt(DB + "db.numThreads"));
  }

  @Test
  void postgresWithoutPassword_setsNone() {
    Config config = nodeConfig("switchboard.persistence { store = postgres, postgres.password-env = \"\" }", Map.of());
    assertFalse(config.hasPath(DB + "db.password"));
  }
}
