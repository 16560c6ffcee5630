package io.switchboard.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("unit")
class NodeConfigsTest {
  @TempDir Path dir;

  @Test
  void nodeFile_includesTheSharedFile_andSetsItsOwnPortsAndDirectory() throws Exception {
    Path runDir = dir.resolve("run with space");
    Files.createDirectories(runDir);
    ClusterLayout layout = ClusterLayout.defaults(runDir);
    Path user = dir.resolve("user.conf");
    Files.writeString(user, "switchboard.models.mine { provider = simulated }\n"
        + "switchboard.persistence.store = h2\n");
    Files.writeString(layout.sharedConfig(), NodeConfigs.shared(layout,
        new Database.Connection("jdbc:postgresql://127.0.0.1:5555/switchboard", "switchboard"), true, Optional.of(user)));
    ClusterLayout.Node node2 = layout.nodes().get(1);
    Files.writeString(node2.configFile(), NodeConfigs.node(layout, node2));

    Config c = ConfigFactory.parseFile(node2.configFile().toFile()).resolve();

    assertEquals(8082, c.getInt("switchboard.http.port"));
    assertEquals(node2.dataDir().toString(), c.getString("switchboard.persistence.data-dir"));
    assertEquals(25522, c.getInt("switchboard.cluster.port"));
    assertEquals(8560, c.getInt("switchboard.cluster.management-port"));
    assertEquals("127.0.0.1:25521,127.0.0.1:25522,127.0.0.1:25523", c.getString("switchboard.cluster.seed-nodes"));
    assertEquals("127.0.0.1", c.getString("switchboard.cluster.management-host"));
    // The launcher owns the store, whatever the operator's own file says; the operator's models stay.
    assertEquals("postgres", c.getString("switchboard.persistence.store"));
    assertEquals("jdbc:postgresql://127.0.0.1:5555/switchboard", c.getString("switchboard.persistence.postgres.url"));
    assertEquals(NodeConfigs.PASSWORD_ENV, c.getString("switchboard.persistence.postgres.password-env"));
    assertEquals("simulated", c.getString("switchboard.models.mine.provider"));
  }

  @Test
  void sharedFile_withoutAPassword_asksForNone_andNeverHoldsOne() {
    String shared = NodeConfigs.shared(ClusterLayout.defaults(dir),
        new Database.Connection("jdbc:postgresql://db:5432/s", "u"), false, Optional.empty());
    Config c = ConfigFactory.parseString(shared);
    assertEquals("", c.getString("switchboard.persistence.postgres.password-env"));
    assertFalse(shared.toLowerCase().contains("password ="));
  }

  @Test
  void quote_escapesWhatHoconWouldMisread() {
    assertEquals("\"a\\\"b\\\\c\"", NodeConfigs.quote("a\"b\\c"));
  }
}
