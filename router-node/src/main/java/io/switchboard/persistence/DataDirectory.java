package io.switchboard.persistence;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's data directory ({@code switchboard.persistence.data-dir}), readable by its owner only:
 * the H2 database in it holds key digests, usage records and provider state, so it is no business of
 * the machine's other users. The directory is {@code rwx------} (0700) and every file in it
 * {@code rw-------} (0600), on file systems that have POSIX permissions; elsewhere nothing is changed.
 *
 * <p>Java cannot set the process's umask, and H2 creates its files with whatever the umask allows
 * (usually 0644). So the database file is created here first, empty and 0600, for H2 to open as a new
 * database; and once the database is open, every file in the directory is narrowed again (a trace
 * file H2 wrote, a database from a version of Switchboard that did not do this). A file created later
 * still sits in a directory no one else can enter.
 *
 * <pre>{@code
 * DataDirectory.prepare(dataDir, dataDir.resolve("switchboard.mv.db"));  // before H2 opens it
 * DataDirectory.narrow(dataDir);                                        // once it is open
 * }</pre>
 */
public final class DataDirectory {
  private static final Logger log = LoggerFactory.getLogger(DataDirectory.class);

  static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private DataDirectory() {}

  /**
   * Creates {@code dir} (0700), or narrows it when it exists, and creates each of {@code files} that is
   * missing, empty and 0600.
   */
  public static void prepare(Path dir, Path... files) throws IOException {
    if (!isPosix(dir)) {
      Files.createDirectories(dir);
      return;
    }
    if (Files.isDirectory(dir)) {
      narrowTo(dir, DIRECTORY);
    } else {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
    }
    for (Path file : files) {
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE));
      } catch (FileAlreadyExistsException exists) {
        narrowTo(file, FILE);
      }
    }
  }

  /** Narrows {@code dir} to 0700 and every regular file in it to 0600. */
  public static void narrow(Path dir) throws IOException {
    if (!isPosix(dir)) return;
    narrowTo(dir, DIRECTORY);
    List<Path> files;
    try (Stream<Path> listing = Files.list(dir)) {
      files = listing.filter(Files::isRegularFile).toList();
    }
    for (Path file : files) narrowTo(file, FILE);
  }

  private static void narrowTo(Path path, Set<PosixFilePermission> permissions) {
    try {
      if (!Files.getPosixFilePermissions(path).equals(permissions)) Files.setPosixFilePermissions(path, permissions);
    } catch (IOException | SecurityException e) {
      // Someone else's directory the node may write to (a mounted volume): it still runs, and says so.
      log.warn("could not make {} readable by its owner only ({}): check its permissions", path, e.toString());
    }
  }

  private static boolean isPosix(Path dir) {
    Path existing = dir.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) existing = existing.getParent();
    return existing != null && Files.getFileAttributeView(existing, PosixFileAttributeView.class) != null;
  }
}
