package io.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jar as a newcomer uses it: {@code java -jar switchboard-node.jar} with no
 * configuration serves the simulated model, plain and streaming, and stops cleanly on SIGTERM. This
 * is what proves the shaded jar's merged {@code reference.conf} files still work.
 */
@Tag("integration")
class NodeJarIT {
  private static final Duration STARTUP = Duration.ofSeconds(60);

  private static Path jar() {
    Path jar = Path.of(System.getProperty("switchboard.jar", "target/switchboard-node.jar"));
    assertTrue(Files.isRegularFile(jar), "run through `mvn verify` so the jar is built first: " + jar);
    return jar;
  }

  /** The node's data directory: a fresh one per test, never ./data. */
  @TempDir Path dataDir;

  private Process launch(int port, String... args) throws IOException {
    // The start-up warm-up has its own tests (WarmUpTest); here it would only slow the suite.
    return launch(Path.of(System.getProperty("java.home"), "bin", "java"), port, List.of(), "off", args);
  }

  /**
   * Starts the jar on the JVM {@code java} with {@code jvmFlags} before {@code -jar}, and SWITCHBOARD_WARM_UP
   * set to {@code warmUp}.
   */
  private Process launch(Path java, int port, List<String> jvmFlags, String warmUp, String... args)
      throws IOException {
    List<String> command = new java.util.ArrayList<>(List.of(java.toString()));
    command.addAll(jvmFlags);
    command.addAll(List.of("-jar", jar().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("SWITCHBOARD_CONFIG");
    builder.environment().put("SWITCHBOARD_PORT", Integer.toString(port));
    builder.environment().put("SWITCHBOARD_DATA_DIR", dataDir.resolve("data").toString());
    builder.environment().put("SWITCHBOARD_WARM_UP", warmUp);
    return builder.start();
  }

  /** Reads the process's output until a line contains {@code marker}, and returns that line. */
  private static String awaitLine(Process process, String marker) throws Exception {
    String output = awaitOutput(process, marker);
    return output.substring(output.lastIndexOf('\n', output.length() - 2) + 1, output.length() - 1);
  }

  /**
   * Reads the process's output until a line contains {@code marker}, and returns all of it up to that
   * line; fails with all output read so far when none does.
   */
  private static String awaitOutput(Process process, String marker) throws Exception {
    BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    CompletableFuture<String> found = CompletableFuture.supplyAsync(() -> {
      try {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          seen.append(line).append('\n');
          if (line.contains(marker)) return line;
        }
        return null;
      } catch (IOException e) {
        return null;
      }
    });
    String line = found.get(STARTUP.toSeconds(), TimeUnit.SECONDS);
    assertTrue(line != null, "expected '" + marker + "' in the output:\n" + seen);
    // Keep draining so the child never blocks on a full pipe.
    CompletableFuture.runAsync(() -> {
      try {
        while (reader.readLine() != null) { /* discard */ }
      } catch (IOException ignored) {
        // the process ended
      }
    });
    return seen.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void jarWithoutConfiguration_servesTheSimulatedModel_andStopsCleanly() throws Exception {
    int port = freePort();
    Process node = launch(port);
    try {
      String output = awaitOutput(node, "Switchboard listening on");
      String started = output.substring(output.lastIndexOf('\n', output.length() - 2) + 1);
      // The node made its data directory and says where its state is, before it listens.
      assertTrue(output.contains("Persistence: H2 database " + dataDir.resolve("data").resolve("switchboard.mv.db")), output);
      assertTrue(Files.isRegularFile(dataDir.resolve("data").resolve("switchboard.mv.db")), output);
      assertTrue(started.contains("http://127.0.0.1:" + port), started);
      assertTrue(started.contains("switchboard-sim"), started);

      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI chat = URI.create("http://127.0.0.1:" + port + "/v1/chat/completions");
      HttpResponse<String> plain = client.send(HttpRequest.newBuilder(chat)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"model\":\"switchboard-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, plain.statusCode(), plain.body());
      assertTrue(plain.body().contains("\"object\":\"chat.completion\""), plain.body());
      assertEquals("true", plain.headers().firstValue("x-switchboard-simulated").orElseThrow());
      // Our Pekko settings survived the jar's merge of every library's reference.conf.
      assertEquals("switchboard", plain.headers().firstValue("server").orElseThrow());

      HttpResponse<String> stream = client.send(HttpRequest.newBuilder(chat)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"switchboard-sim\",\"stream\":true,"
              + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, stream.statusCode());
      assertTrue(stream.body().contains("chat.completion.chunk"), stream.body());
      assertTrue(stream.body().endsWith("data: [DONE]\n\n"), stream.body());

      node.destroy(); // SIGTERM: coordinated shutdown, then exit
      assertTrue(node.waitFor(30, TimeUnit.SECONDS), "the node exits after SIGTERM");
    } finally {
      node.destroyForcibly();
    }
  }

  @Test
  void missingConfigFile_stopsWithAMessageNamingIt() throws Exception {
    assertRefusedWithStatus2(launch(freePort(), "--config", "/nonexistent/switchboard.conf"),
        "/nonexistent/switchboard.conf", "does not exist");
  }

  @Test
  void exitWhenWarm_withTheWarmUpOff_stopsWithAMessage() throws Exception {
    assertRefusedWithStatus2(launch(freePort(), "--exit-when-warm"), "--exit-when-warm", "needs the warm-up on");
  }

  /** The node prints a line with {@code marker} that says {@code why}, and exits with status 2 without serving. */
  private static void assertRefusedWithStatus2(Process node, String marker, String why) throws Exception {
    try {
      String line = awaitLine(node, marker);
      assertTrue(line.contains(why), line);
      assertTrue(node.waitFor(30, TimeUnit.SECONDS));
      assertEquals(2, node.exitValue());
    } finally {
      node.destroyForcibly();
    }
  }

  /**
   * What deploy/Dockerfile does while it builds the image, on this machine's JDK 25: deploy/aot-cache.sh
   * runs the node with {@code --exit-when-warm} (it warms up, says so, and exits 0 by itself: the script
   * fails otherwise) to train a cache, and checks the JVM accepts it; a node started with the image's
   * ENTRYPOINT flags from that cache serves; a JVM started with other flags refuses it.
   */
  @Test
  void aotCacheScript_trainsACache_thatTheImagesCommandStartsFrom() throws Exception {
    Path java = Jdk.atLeast(25).resolve("bin").resolve("java");
    Path cache = dataDir.resolve("switchboard.aot");
    List<String> flags = List.of("-XX:+UseG1GC", "-XX:+UseCompactObjectHeaders");
    List<String> command = new java.util.ArrayList<>(List.of("bash", Path.of("../deploy/aot-cache.sh").toString(),
        jar().toString(), cache.toString()));
    command.addAll(flags);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("JAVA", java.toString());
    // A short warm-up: this proves the training, not the warm-up (WarmUpTest does that).
    builder.environment().put("WARM_UP_REQUESTS", "100");
    Process training = builder.start();
    try {
      String output = awaitOutput(training, "aot-cache: " + cache);
      assertTrue(output.contains("Switchboard warmed up: 100 of 100 warm-up requests answered"), output);
      assertTrue(output.contains("accepted by the JVM"), output);
      assertTrue(training.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, training.exitValue(), output);
      assertTrue(Files.size(cache) > 1 << 20, "a cache of " + Files.size(cache) + " bytes");
    } finally {
      training.destroyForcibly();
    }

    // The image's ENTRYPOINT, with AOTMode=on so that a refused cache stops the JVM instead of being ignored.
    int port = freePort();
    List<String> fromCache = new java.util.ArrayList<>(flags);
    fromCache.addAll(List.of("-XX:AOTCache=" + cache, "-XX:AOTMode=on"));
    Process node = launch(java, port, fromCache, "off");
    try {
      awaitOutput(node, "Switchboard listening on");
      HttpResponse<String> plain = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(
                  "{\"model\":\"switchboard-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"))
              .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, plain.statusCode(), plain.body());
    } finally {
      node.destroy();
      node.waitFor(30, TimeUnit.SECONDS);
      node.destroyForcibly();
    }

    // Without compact object headers the same cache is refused: why the image pins its flags.
    Process other = launch(java, freePort(), List.of("-XX:+UseG1GC", "-XX:AOTCache=" + cache, "-XX:AOTMode=on"),
        "off");
    try {
      assertTrue(other.waitFor(30, TimeUnit.SECONDS), "a JVM that must use a cache it cannot stops");
      String refused = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(other.exitValue() != 0, refused);
    } finally {
      other.destroyForcibly();
    }
  }
}
