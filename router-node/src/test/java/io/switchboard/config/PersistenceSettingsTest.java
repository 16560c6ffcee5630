package io.switchboard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Reading {@code switchboard.persistence}: the H2 default, the PostgreSQL block, and its mistakes. */
@Tag("unit")
class PersistenceSettingsTest {
  private static final Function<String, String> NO_ENV = k -> null;

  private static PersistenceSettings persistence(String hocon, Function<String, String> env) {
    return SwitchboardSettings.from(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve(), env)
        .persistence();
  }

  private static String failure(String hocon, Function<String, String> env, String key) {
    SettingsException e = assertThrows(SettingsException.class, () -> persistence(hocon, env));
    assertTrue(e.getMessage().contains(key), "message should name " + key + ": " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void defaults_anH2FileUnderDataInTheWorkingDirectory() {
    PersistenceSettings p = persistence("switchboard.persistence.data-dir = data", NO_ENV);

    assertEquals(PersistenceSettings.Store.H2, p.store());
    assertEquals(Path.of("data").toAbsolutePath(), p.dataDir());
    assertEquals(Path.of("data", "switchboard").toAbsolutePath(), p.h2Database());
    assertEquals("H2 database " + Path.of("data", "switchboard.mv.db").toAbsolutePath(), p.describe());
    assertEquals("jdbc:postgresql://127.0.0.1:5432/switchboard", p.postgres().url());
    assertEquals("switchboard", p.postgres().user());
    assertEquals("SWITCHBOARD_DB_PASSWORD", p.postgres().passwordEnv());
    assertEquals(10, p.postgres().maxConnections());
    // A node on H2 never needs the PostgreSQL password, so an unset variable is no mistake.
    assertEquals(Optional.empty(), p.postgres().password());
  }

  @Test
  void postgresBlock_isRead_withThePasswordFromTheNamedVariable() {
    PersistenceSettings p = persistence("""
        switchboard.persistence {
          store = postgres
          postgres {
            url = "jdbc:postgresql://db.internal:6543/gateway?sslmode=require"
            user = gw
            password-env = GW_DB_PASSWORD
            max-connections = 25
          }
        }
        """, Map.of("GW_DB_PASSWORD", "s3cret")::get);

    assertEquals(PersistenceSettings.Store.POSTGRES, p.store());
    assertEquals("s3cret", p.postgres().password().orElseThrow().reveal());
    assertEquals(25, p.postgres().maxConnections());
    assertEquals("db.internal:6543/gateway", p.postgres().location());
    assertEquals("PostgreSQL db.internal:6543/gateway as user gw", p.describe());
    assertFalse(p.toString().contains("s3cret"), p.toString());
  }

  @Test
  void emptyPasswordEnv_connectsWithoutAPassword() {
    PersistenceSettings p = persistence("""
        switchboard.persistence { store = postgres, postgres.password-env = "" }
        """, NO_ENV);
    assertEquals(Optional.empty(), p.postgres().password());
  }

  @Test
  void unsetPasswordVariable_stopsStartUp_namingTheKeyAndTheVariable() {
    String message = failure("switchboard.persistence.store = postgres", NO_ENV,
        "switchboard.persistence.postgres.password-env");
    assertTrue(message.contains("SWITCHBOARD_DB_PASSWORD"), message);
    failure("switchboard.persistence.store = postgres", Map.of("SWITCHBOARD_DB_PASSWORD", " ")::get,
        "SWITCHBOARD_DB_PASSWORD");
  }

  @Test
  void unknownStore_namesTheChoices() {
    String message = failure("switchboard.persistence.store = mysql", NO_ENV, "switchboard.persistence.store");
    assertTrue(message.contains("h2, postgres"), message);
  }

  @Test
  void badValues_areRefused_namingTheKey() {
    failure("switchboard.persistence.data-dir = \"\"", NO_ENV, "switchboard.persistence.data-dir");
    failure("switchboard.persistence.data-dir = \"bad\\u0000path\"", NO_ENV, "switchboard.persistence.data-dir");
    failure("switchboard.persistence.postgres.url = \"jdbc:mysql://localhost/x\"", NO_ENV,
        "switchboard.persistence.postgres.url");
    failure("switchboard.persistence.postgres.url = \"jdbc:postgresql://\"", NO_ENV,
        "switchboard.persistence.postgres.url");
    failure("switchboard.persistence.postgres.user = \"\"", NO_ENV, "switchboard.persistence.postgres.user");
    failure("switchboard.persistence.postgres.max-connections = 0", NO_ENV,
        "switchboard.persistence.postgres.max-connections");
  }
}
