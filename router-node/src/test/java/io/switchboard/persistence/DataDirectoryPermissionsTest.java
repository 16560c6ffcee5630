package io.switchboard.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.switchboard.TestGateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded database, the usage spool and their directories are readable by their owner only (0700
 * and 0600), from the first start of a node, and again after a start on a directory an older version
 * left readable.
 */
@Tag("integration")
class DataDirectoryPermissionsTest {
  @TempDir Path root;

  @Test
  void freshDataDirectory_andEveryFileInIt_areTheOwnersOnly() throws IOException {
    assumeTrue(Files.getFileAttributeView(root, PosixFileAttributeView.class) != null, "a POSIX file system");
    Path dataDir = root.resolve("data");

    runNode(dataDir);

    assertOwnerOnly(dataDir);
  }

  @Test
  void dataDirectoryLeftReadable_isNarrowedAtTheNextStart() throws IOException {
    assumeTrue(Files.getFileAttributeView(root, PosixFileAttributeView.class) != null, "a POSIX file system");
    Path dataDir = root.resolve("data");
    runNode(dataDir);
    Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (Path file : files(dataDir)) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(Files.isDirectory(file) ? "rwxr-xr-x"
          : "rw-r--r--"));
    }

    runNode(dataDir);

    assertOwnerOnly(dataDir);
  }

  /** Starts a node on {@code dataDir}, has it write (a key, the usage of a request), stops it. */
  private static void runNode(Path dataDir) {
    ActorTestKit testKit = new JUnit5TestKitBuilder().withCustomConfig(TestStores.h2(dataDir)).build();
    try (TestGateway gateway = TestGateway.start(testKit, """
        switchboard.providers.simulated.simulated { latency = 0s, tokens-per-second = 0, default-completion-tokens = 4 }
        """)) {
      assertEquals(201, gateway.post("/admin/keys", "{\"name\":\"perm-test\"}").statusCode());
      assertEquals(200, gateway.post("/v1/chat/completions",
          "{\"model\":\"switchboard-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}").statusCode());
    } finally {
      testKit.shutdownTestKit();
    }
  }

  private static void assertOwnerOnly(Path dataDir) throws IOException {
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir)), dataDir.toString());
    List<Path> files = files(dataDir);
    assertTrue(files.contains(dataDir.resolve("switchboard.mv.db")), "the database is there: " + files);
    assertTrue(files.contains(dataDir.resolve("usage-spool").resolve("spool-id")), "the usage spool is there: " + files);
    for (Path file : files) {
      assertEquals(Files.isDirectory(file) ? "rwx------" : "rw-------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file.toString());
    }
  }

  /** Everything under {@code dir}, in its subdirectories too, but not {@code dir} itself. */
  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> listing = Files.walk(dir)) {
      return listing.filter(path -> !path.equals(dir)).toList();
    }
  }
}
