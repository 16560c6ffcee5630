package io.switchboard.sdk;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Node project in {@code src/test/resources/node-sdk} (a script and the official SDKs it needs,
 * pinned by its committed {@code package-lock.json}), installed with {@code npm ci} into a directory
 * under {@code target} and run with {@code node}.
 *
 * <pre>{@code
 * NodeSdkProject sdks = NodeSdkProject.install(Path.of("target", "node-sdk"));
 * String json = sdks.run("check.mjs", Map.of("BASE_URL", gateway.uri("").toString()));
 * }</pre>
 *
 * <p>The install is skipped when the directory's {@code node_modules} was installed from the same
 * {@code package.json} and lock file (a digest of both is kept beside it once {@code npm ci} has
 * succeeded), so only the first run after a clean, or after the pins change, needs the npm registry.
 * Without {@code node} and {@code npm} the caller fails rather than skips: a skipped compatibility
 * check proves nothing.
 */
final class NodeSdkProject {
  static final int NODE_MAJOR_MINIMUM = 18;
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(30);
  private static final String RESOURCES = "/node-sdk/";
  private static final List<String> FILES = List.of("package.json", "package-lock.json", "check.mjs", "responses.mjs");
  private static final String STAMP = "node_modules/.switchboard-installed-from";
  private static final String MISSING = "Node.js " + NODE_MAJOR_MINIMUM + "+ with npm must be on the PATH: NodeSdkTest"
      + " runs the official OpenAI and Anthropic Node SDKs against the gateway. Install it (Debian/Ubuntu:"
      + " apt-get install -y nodejs npm; or https://nodejs.org) and run the build again.";

  private final Path dir;
  private final String nodeVersion;

  private NodeSdkProject(Path dir, String nodeVersion) {
    this.dir = dir;
    this.nodeVersion = nodeVersion;
  }

  /**
   * Copies the project into {@code dir} and installs its locked dependencies there, unless they are
   * installed already from the same lock file; fails when Node.js or npm is missing or too old.
   */
  static NodeSdkProject install(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    // The suite runs in parallel forks, and both SDK test classes install into the same directory: one
    // JVM at a time copies and installs, the other then finds the stamp and reuses node_modules.
    try (FileChannel lockFile = FileChannel.open(dir.resolve(".install.lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock held = lockFile.lock()) {
      return installLocked(dir);
    }
  }

  private static NodeSdkProject installLocked(Path dir) throws IOException, InterruptedException {
    String nodeVersion = requireNode(dir);
    requireTool(dir, "npm");
    for (String file : FILES) {
      Files.copy(resource(file), dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    String lock = digest(dir.resolve("package.json"), dir.resolve("package-lock.json"));
    Path stamp = dir.resolve(STAMP);
    if (!Files.isRegularFile(stamp) || !Files.readString(stamp).equals(lock)) {
      Result installed = exec(dir, List.of("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline"),
          inherited -> {}, INSTALL_TIMEOUT, "npm-ci");
      if (installed.exit() != 0) {
        fail("npm ci in " + dir.toAbsolutePath() + " " + installed.ending() + "; it needs the npm registry the first"
            + " time (then node_modules is reused).\n" + installed.stdout() + installed.stderr());
      }
      Files.writeString(stamp, lock);
    }
    return new NodeSdkProject(dir, nodeVersion);
  }

  /**
   * Runs {@code node script} in the project with {@code env} added to an environment cleared of the
   * SDKs' own variables ({@code OPENAI_*}, {@code ANTHROPIC_*}) and of proxies, and returns what it
   * printed on stdout; fails, showing its stderr, when it does not exit 0 in time.
   */
  String run(String script, Map<String, String> env) throws IOException, InterruptedException {
    Result result = exec(dir, List.of("node", script), environment -> {
      // The SDKs read these (OPENAI_BASE_URL, ANTHROPIC_API_KEY, ...); the gateway is on loopback.
      environment.keySet().removeIf(key -> key.startsWith("OPENAI_") || key.startsWith("ANTHROPIC_")
          || key.toLowerCase(Locale.ROOT).endsWith("_proxy"));
      environment.putAll(env);
    }, RUN_TIMEOUT, script);
    if (result.exit() != 0) {
      fail("node " + script + " (" + nodeVersion + ") " + result.ending() + ":\n" + result.stderr() + result.stdout());
    }
    return result.stdout();
  }

  private static String requireNode(Path dir) throws IOException, InterruptedException {
    String version = requireTool(dir, "node").strip();
    Matcher major = Pattern.compile("^v(\\d+)\\.").matcher(version);
    if (!major.find() || Integer.parseInt(major.group(1)) < NODE_MAJOR_MINIMUM) {
      fail("node --version says '" + version + "'. " + MISSING);
    }
    return version;
  }

  /** What {@code tool --version} printed; fails with how to install Node.js when it cannot be run. */
  private static String requireTool(Path dir, String tool) throws IOException, InterruptedException {
    Result result;
    try {
      result = exec(dir, List.of(tool, "--version"), inherited -> {}, VERSION_TIMEOUT, tool + "-version");
    } catch (IOException notFound) {
      return fail("'" + tool + "' could not be run (" + notFound.getMessage() + "). " + MISSING);
    }
    if (result.exit() != 0) fail("'" + tool + " --version' " + result.ending() + ". " + MISSING);
    return result.stdout();
  }

  /** How a process ended: its exit code, or -1 when it was stopped after the timeout; what it printed. */
  private record Result(int exit, String stdout, String stderr, Duration timeout) {
    String ending() {
      return exit == -1 ? "did not finish within " + timeout.toSeconds() + " s" : "exited with " + exit;
    }
  }

  /**
   * Runs {@code command} in {@code dir}, its output in files there (named after {@code name}) so that no
   * pipe fills; stops it, and any process it started, when it outlives {@code timeout}.
   */
  private static Result exec(Path dir, List<String> command, Consumer<Map<String, String>> environment,
      Duration timeout, String name)
      throws IOException, InterruptedException {
    Path out = dir.resolve(name + ".stdout.log");
    Path err = dir.resolve(name + ".stderr.log");
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
    environment.accept(builder.environment());
    Process process = builder.start();
    process.getOutputStream().close();
    int exit;
    if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      exit = process.exitValue();
    } else {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      exit = -1;
    }
    return new Result(exit, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8),
        timeout);
  }

  private static Path resource(String file) {
    URL url = NodeSdkProject.class.getResource(RESOURCES + file);
    if (url == null) throw new AssertionError("missing test resource " + RESOURCES + file);
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  private static String digest(Path... files) throws IOException {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Path file : files) sha.update(Files.readAllBytes(file));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
