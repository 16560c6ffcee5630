package io.switchboard.persistence;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.switchboard.config.PersistenceSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state store on the default database: an H2 file in the data directory. */
@Tag("integration")
class H2StateStoreTest extends StateStoreContract {
  @TempDir static Path root;

  /** A data directory that does not exist yet: the node creates it. */
  private static Path dataDir() {
    return root.resolve("data");
  }

  @Override
  Config config() {
    return TestStores.h2(dataDir());
  }

  @Override
  String id(String name) {
    return name;
  }

  @Test
  void missingDataDirectory_isCreated_withTheDatabaseInIt() {
    start();
    assertTrue(Files.isRegularFile(dataDir().resolve("switchboard.mv.db")), "H2 file in " + dataDir());
  }

  @Test
  void dataDirectoryThatIsAFile_failsWithAMessageNamingTheKey() throws IOException {
    Path file = Files.writeString(root.resolve("not-a-directory"), "x");
    ActorTestKit testKit = ActorTestKit.create("h2-bad-dir", TestStores.h2(file));
    try {
      PersistenceSettings settings = new PersistenceSettings(
          PersistenceSettings.Store.H2, file, settingsFor(testKit).postgres());
      Throwable error = failure(Schema.create(testKit.system(), settings));
      assertInstanceOf(StateStoreException.class, error);
      assertTrue(error.getMessage().contains("switchboard.persistence.data-dir"), error.getMessage());
    } finally {
      testKit.shutdownTestKit();
    }
  }

  private static PersistenceSettings settingsFor(ActorTestKit testKit) {
    return io.switchboard.config.SwitchboardSettings.from(testKit.system().settings().config(), k -> null).persistence();
  }
}
