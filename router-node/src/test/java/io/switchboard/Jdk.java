package io.switchboard;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds a JDK other than the one running the tests: {@code SWITCHBOARD_TEST_JDK} when set, otherwise the
 * newest under {@code /usr/lib/jvm} (where these machines keep Temurin 25 beside the default 17).
 */
final class Jdk {
  private static final Pattern VERSION = Pattern.compile("^JAVA_VERSION=\"(\\d+)", Pattern.MULTILINE);

  private Jdk() {}

  /** The home of a JDK of version {@code feature} or later; fails the test, naming where it looked, when none. */
  static Path atLeast(int feature) throws IOException {
    String named = System.getenv("SWITCHBOARD_TEST_JDK");
    if (named != null && !named.isBlank()) {
      Path home = Path.of(named);
      if (version(home).orElse(0) < feature) fail("SWITCHBOARD_TEST_JDK=" + named + " is not a JDK " + feature + "+");
      return home;
    }
    Path jvms = Path.of("/usr/lib/jvm");
    if (Files.isDirectory(jvms)) {
      try (Stream<Path> homes = Files.list(jvms)) {
        Optional<Path> newest = homes.filter(home -> version(home).orElse(0) >= feature)
            .filter(home -> Files.isExecutable(home.resolve("bin").resolve("java")))
            .max(Comparator.comparing(home -> version(home).orElse(0)));
        if (newest.isPresent()) return newest.get();
      }
    }
    return fail("no JDK " + feature + "+ under " + jvms + "; set SWITCHBOARD_TEST_JDK to one");
  }

  /** The feature version in a JDK home's {@code release} file. */
  private static Optional<Integer> version(Path home) {
    try {
      Matcher m = VERSION.matcher(Files.readString(home.resolve("release")));
      return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
