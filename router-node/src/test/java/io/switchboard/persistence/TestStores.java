package io.switchboard.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SwitchboardSettings;
import java.nio.file.Path;
import java.util.Map;

/**
 * Actor system configurations for tests, wired to a store the way {@code Main} wires a node: the
 * {@code switchboard.persistence} keys plus the Pekko Persistence JDBC settings derived from them.
 *
 * <pre>{@code
 * @Test
 * void stateSurvives(@TempDir Path dataDir) {
 *   ActorTestKit testKit = ActorTestKit.create("store-test", TestStores.h2(dataDir));
 *   // spawn actors on StateStore.jdbc(testKit.system(), ...), assert, then testKit.shutdownTestKit()
 * }
 * }</pre>
 *
 * <p>A test of whole nodes does not need this: {@code GatewayExtension} builds their actor system on
 * an H2 file of its own.
 */
public final class TestStores {
  private TestStores() {}

  /** An H2 database file in {@code dataDir}: give each test class its own {@code @TempDir}. */
  public static Config h2(Path dataDir) {
    return layered(ConfigFactory.parseMap(Map.of(
        "switchboard.persistence.store", "h2",
        "switchboard.persistence.data-dir", dataDir.toString())), Map.of());
  }

  /**
   * {@code overrides} over the node's loaded configuration, with the persistence plugins configured
   * for the store they choose.
   *
   * @param env the environment the settings are read with (the database password)
   */
  public static Config layered(Config overrides, Map<String, String> env) {
    Config loaded = overrides.withFallback(ConfigFactory.load()).resolve();
    return PersistenceConfig.layeredOver(loaded, SwitchboardSettings.from(loaded, env::get).persistence());
  }
}
