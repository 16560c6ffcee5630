package io.switchboard.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SwitchboardSettings;

/** A node's settings with its cluster on, and the Pekko configuration they become, for settings tests. */
final class ClusterSettingsFixture {
  /** A cluster node's minimal settings: PostgreSQL and two seeds. */
  static final String CLUSTER = """
      switchboard.persistence.store = postgres
      switchboard.persistence.postgres { url = "jdbc:postgresql://127.0.0.1:5432/switchboard", password-env = "" }
      switchboard.cluster { enabled = on, seed-nodes = "127.0.0.1:25521,127.0.0.1:25522" }
      """;

  private ClusterSettingsFixture() {}

  /** {@code hocon} over the loaded configuration, read as a node reads it at start-up. */
  static SwitchboardSettings settings(String hocon) {
    return SwitchboardSettings.from(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve(),
        name -> null);
  }

  /** What the node's actor system runs with. */
  static Config pekko(SwitchboardSettings settings) {
    return ClusterConfig.layeredOver(ConfigFactory.load(), settings.cluster(), settings.http());
  }
}
