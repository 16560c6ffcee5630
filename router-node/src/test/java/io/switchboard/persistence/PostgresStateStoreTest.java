package io.switchboard.persistence;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SwitchboardSettings;
import java.net.ServerSocket;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The state store on PostgreSQL, as a cluster uses it: a real server, a role with a password. */
@Tag("integration")
class PostgresStateStoreTest extends StateStoreContract {
  @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();

  @Override
  Config config() {
    return postgres.config();
  }

  @Override
  Map<String, String> env() {
    return postgres.env();
  }

  @Override
  String id(String name) {
    return name;
  }

  @Test
  void unreachableServer_failsStartUp_namingTheServer_neverThePassword() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "/switchboard";
    Config config = TestStores.layered(ConfigFactory.parseMap(Map.of(
            "switchboard.persistence.postgres.url", url,
            // Fail fast: the pool's default wait for a connection is minutes.
            "pekko-persistence-jdbc.shared-databases.slick.db.connectionTimeout", 1000))
        .withFallback(postgres.settings()), postgres.env());
    ActorTestKit testKit = ActorTestKit.create("postgres-unreachable", config);
    try {
      Throwable error = failure(Schema.create(testKit.system(),
          SwitchboardSettings.from(config, postgres.env()::get).persistence()));
      assertInstanceOf(StateStoreException.class, error);
      assertTrue(error.getMessage().contains("PostgreSQL 127.0.0.1:" + closedPort + "/switchboard"), error.getMessage());
      assertTrue(!error.getMessage().contains(postgres.env().get(PostgresExtension.PASSWORD_ENV)), error.getMessage());
    } finally {
      testKit.shutdownTestKit();
    }
  }
}
