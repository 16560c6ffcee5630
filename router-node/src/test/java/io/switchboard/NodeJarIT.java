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
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new java.util.ArrayList<>(List.of(java, "-jar", jar().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("SWITCHBOARD_CONFIG");
    builder.environment().put("SWITCHBOARD_PORT", Integer.toString(port));
    builder.environment().put("SWITCHBOARD_DATA_DIR", dataDir.resolve("data").toString());
    // The start-up warm-up has its own tests (WarmUpTest); here it would only slow the suite.
    builder.environment().put("SWITCHBOARD_WARM_UP", "off");
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
    Process node = launch(freePort(), "--config", "/nonexistent/switchboard.conf");
    try {
      String line = awaitLine(node, "/nonexistent/switchboard.conf");
      assertTrue(line.contains("does not exist"), line);
      assertTrue(node.waitFor(30, TimeUnit.SECONDS));
      assertEquals(2, node.exitValue());
    } finally {
      node.destroyForcibly();
    }
  }
}
