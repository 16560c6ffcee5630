package io.switchboard;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.persistence.StateStoreException;
import io.switchboard.persistence.TestStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node whose database cannot be prepared never opens its port, and says why. */
@Tag("integration")
class GuardianTest {
  @Test
  void unusableDataDirectory_failsStartUp_beforeListening(@TempDir Path root) throws Exception {
    Path file = Files.writeString(root.resolve("not-a-directory"), "x");
    ActorTestKit testKit = ActorTestKit.create("guardian-test", TestStores.h2(root));
    try {
      SwitchboardSettings settings = SwitchboardSettings.from(ConfigFactory.parseString(
              "switchboard.persistence.data-dir = \"" + file + "\"")
          .withFallback(testKit.system().settings().config()).resolve(), k -> null);
      CompletableFuture<Guardian.Started> started = new CompletableFuture<>();
      ActorRef<Void> guardian = testKit.spawn(Guardian.create(settings, started));

      ExecutionException e = assertThrows(ExecutionException.class, () -> started.get(20, TimeUnit.SECONDS));
      assertInstanceOf(StateStoreException.class, e.getCause());
      String line = Main.failure(e.getCause(), settings);
      assertTrue(line.contains("switchboard.persistence.data-dir"), line);
      TestProbe<Object> probe = testKit.createTestProbe();
      probe.expectTerminated(guardian);
    } finally {
      testKit.shutdownTestKit();
    }
  }
}
