package io.switchboard.usage;

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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed with {@code kill -9} under load, on its default H2 file, in a child JVM: every
 * request it answered in full (plain and streamed) is in the usage ledger when it is started again on
 * the same data directory, and a key that used its requests of the minute before the kill is still
 * refused after it. With {@code switchboard.usage.durability = batched} (the behaviour before it was a
 * choice) the last moment's records were lost: about the last second's.
 *
 * <p>On H2, {@code committed} writes through the node's spool: the flush interval is an hour here, so
 * records reach the database before the kill only when a key actor's start reads its spending (which
 * writes what is buffered), and the load's records must come from the spool's replay at the restart.
 */
@Tag("integration")
class UsageAfterKillTest {
  private static final Duration STARTUP = Duration.ofSeconds(60);
  /** Requests answered before the kill: enough that the last ones are still on their way to the file. */
  private static final int ANSWERED_BEFORE_KILL = 150;
  private static final int CLIENTS = 8;

  private static final String ADMIN_KEY = "kill-test-admin-key-0123456789abcdef";

  @TempDir Path dir;

  @Test
  void killMinusNineUnderLoad_losesNoAnsweredRequest_fromTheLedger() throws Exception {
    Path config = dir.resolve("node.conf");
    Files.writeString(config, """
        switchboard {
          auth.mode = keys
          usage.durability = committed
          usage.flush-interval = 1h
          provider-defaults.simulated { latency = 5ms, tokens-per-second = 0 }
        }
        """);
    int port = freePort();
    Process node = launch(port, config);
    Set<String> answered = ConcurrentHashMap.newKeySet();
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String busyKey;
    try {
      awaitLine(node, "Switchboard listening on");
      String loadKey = createKey(client, port, "{\"name\":\"load\"}");
      busyKey = createKey(client, port, "{\"name\":\"busy\",\"requests_per_minute\":2}");
      for (int i = 0; i < 2; i++) assertEquals(200, chat(client, port, busyKey, "busy-" + i, false).statusCode());
      load(client, port, loadKey, answered, node);
    } finally {
      node.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no last flush
      node.waitFor(30, TimeUnit.SECONDS);
    }
    assertTrue(answered.size() >= ANSWERED_BEFORE_KILL, "answered: " + answered.size());
    assertTrue(Files.exists(dir.resolve("data").resolve(UsageSpool.DIRECTORY).resolve("spool-id")),
        "committed on H2 writes through the spool");

    // Started again on the same data directory: H2 recovers its file, the node serves, and stops cleanly.
    Process again = launch(port, config);
    try {
      awaitLine(again, "Switchboard listening on");
      // Its minute is not over: the restarted node does not hand the key a fresh one.
      HttpResponse<String> third = chat(client, port, busyKey, "busy-2", false);
      assertEquals(429, third.statusCode(), third.body());
      assertTrue(third.body().contains("\"rate_limit_exceeded\"") && third.body().contains("2 requests per minute"),
          third.body());
    } finally {
      again.destroy();
      assertTrue(again.waitFor(30, TimeUnit.SECONDS), "the restarted node stops after SIGTERM");
    }

    Set<String> recorded = recordedRequestIds();
    Set<String> missing = new HashSet<>(answered);
    missing.removeAll(recorded);
    assertEquals(Set.of(), missing, missing.size() + " of " + answered.size() + " answered requests are not in the"
        + " ledger");
  }

  /**
   * Sends plain and streamed chats from {@link #CLIENTS} clients, each with its own {@code x-request-id},
   * and kills the node while they still run, once {@link #ANSWERED_BEFORE_KILL} have been answered.
   * A request counts as answered when its whole response arrived: status 200 and, for a stream, its end.
   */
  private static void load(HttpClient client, int port, String key, Set<String> answered, Process node)
      throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ids = new AtomicInteger();
    CountDownLatch enough = new CountDownLatch(ANSWERED_BEFORE_KILL);
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    List<CompletableFuture<Void>> running = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      running.add(CompletableFuture.runAsync(() -> {
        while (!stop.get()) {
          int n = ids.incrementAndGet();
          String id = "kill-" + n;
          boolean stream = n % 2 == 0;
          try {
            HttpResponse<String> reply = chat(client, port, key, id, stream);
            boolean whole = reply.statusCode() == 200
                && (!stream || reply.body().endsWith("data: [DONE]\n\n"));
            if (whole) {
              answered.add(id);
              enough.countDown();
            }
          } catch (IOException | InterruptedException cut) {
            // the node was killed while this request ran: not answered
          }
        }
      }, clients));
    }
    try {
      assertTrue(enough.await(60, TimeUnit.SECONDS), "the node answered only " + answered.size() + " requests");
      node.destroyForcibly();
    } finally {
      stop.set(true);
      CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      clients.shutdownNow();
    }
  }

  /** A chat with {@code key}, as {@code requestId}; throws when the node is gone. */
  private static HttpResponse<String> chat(HttpClient client, int port, String key, String requestId, boolean stream)
      throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + key)
        .header("x-request-id", requestId)
        .timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"switchboard-sim\",\"max_tokens\":8,"
            + (stream ? "\"stream\":true," : "") + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Creates a key through the admin API; returns its secret. */
  private static String createKey(HttpClient client, int port, String body) throws Exception {
    HttpResponse<String> created = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
            + "/admin/keys"))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + ADMIN_KEY)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(201, created.statusCode(), created.body());
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(created.body()).path("key").asText();
  }

  private Set<String> recordedRequestIds() throws Exception {
    String url = "jdbc:h2:file:" + dir.resolve("data").resolve("switchboard") + ";DATABASE_TO_UPPER=FALSE";
    Set<String> ids = new HashSet<>();
    try (Connection c = DriverManager.getConnection(url, "sa", "");
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT request_id FROM " + UsageStore.TABLE + " WHERE outcome = 'success'")) {
      while (r.next()) ids.add(r.getString(1));
    }
    return ids;
  }

  /** {@code io.switchboard.Main} in a child JVM on this test's classpath, with its data under {@link #dir}. */
  private Process launch(int port, Path config) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-cp", System.getProperty("java.class.path"), "io.switchboard.Main", "--config", config.toString())
        .redirectErrorStream(true);
    builder.environment().remove("SWITCHBOARD_CONFIG");
    builder.environment().put("SWITCHBOARD_PORT", Integer.toString(port));
    builder.environment().put("SWITCHBOARD_DATA_DIR", dir.resolve("data").toString());
    builder.environment().put("SWITCHBOARD_ADMIN_KEY", ADMIN_KEY);
    return builder.start();
  }

  /** Reads the process's output until a line contains {@code marker}; keeps draining it afterwards. */
  private static void awaitLine(Process process, String marker) throws Exception {
    BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    CompletableFuture<Boolean> found = CompletableFuture.supplyAsync(() -> {
      try {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          seen.append(line).append('\n');
          if (line.contains(marker)) return true;
        }
      } catch (IOException ended) {
        // the process ended
      }
      return false;
    });
    assertTrue(found.get(STARTUP.toSeconds(), TimeUnit.SECONDS), "expected '" + marker + "' in:\n" + seen);
    CompletableFuture.runAsync(() -> {
      try {
        while (reader.readLine() != null) { /* discard */ }
      } catch (IOException ended) {
        // the process ended
      }
    });
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
