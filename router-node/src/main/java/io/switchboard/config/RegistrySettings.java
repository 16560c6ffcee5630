package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Locale;

/**
 * The live model registry ({@code switchboard.registry}): when the configuration file's models and
 * routes seed it, and how long a change waits for the other nodes of a cluster to take it.
 *
 * @param seed when the configuration file's {@code models} and {@code routes} replace the stored registry
 * @param replicationTimeout how long a change is pushed to every node directly before it is left to
 *     gossip (a change is saved and served on its own node either way)
 * @param reloadInterval in a cluster, how often a node reads the stored registry itself: the safety net
 *     for a change whose node stopped between saving and replicating it
 */
public record RegistrySettings(Seed seed, Duration replicationTimeout, Duration reloadInterval) {
  public static final RegistrySettings DEFAULTS =
      new RegistrySettings(Seed.CONFIG_CHANGED, Duration.ofSeconds(3), Duration.ofSeconds(30));

  /** When the configuration file seeds the registry. */
  public enum Seed {
    /** When nothing is stored yet, and whenever the file's models or routes differ from those that last seeded it. */
    CONFIG_CHANGED,
    /** Only when nothing is stored yet: afterwards the registry changes through the admin API alone. */
    FIRST_START
  }

  static RegistrySettings from(Config registry) {
    String path = "switchboard.registry.";
    String seed = registry.getString("seed").trim().toLowerCase(Locale.ROOT);
    Seed parsed = switch (seed) {
      case "config-changed" -> Seed.CONFIG_CHANGED;
      case "first-start" -> Seed.FIRST_START;
      default -> throw new SettingsException(path + "seed = \"" + seed + "\": use config-changed or first-start");
    };
    Duration timeout = registry.getDuration("replication-timeout");
    if (timeout.toMillis() < 100) {
      throw new SettingsException(path + "replication-timeout = " + timeout.toMillis() + "ms must be at least 100ms");
    }
    Duration reload = registry.getDuration("reload-interval");
    if (reload.toMillis() < 1000) {
      throw new SettingsException(path + "reload-interval = " + reload.toMillis() + "ms must be at least 1s");
    }
    return new RegistrySettings(parsed, timeout, reload);
  }
}
