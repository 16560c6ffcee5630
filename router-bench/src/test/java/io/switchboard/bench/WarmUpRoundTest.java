package io.switchboard.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.switchboard.bench.load.HttpLoad;
import io.switchboard.bench.load.WarmUp;
import io.switchboard.bench.report.ProcessCpu;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("unit")
class WarmUpRoundTest {

  /** Without wrk, a round is the Java generator's closed loop; the JIT share comes from the JVMs named. */
  @Test
  void aRoundWithoutWrkMeasuresTheJavaClosedLoop_andTheJvmsCompilerShare(@TempDir Path dir) throws Exception {
    byte[] answer = "{\"object\":\"chat.completion\"}".getBytes(StandardCharsets.UTF_8);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, answer.length);
      exchange.getResponseBody().write(answer);
      exchange.close();
    });
    server.start();
    try (HttpLoad load = new HttpLoad()) {
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/chat/completions");
      ProcessCpu self = new ProcessCpu(List.of(ProcessHandle.current().pid()));

      WarmUp.Sample sample = new WarmUpRound(load, "local", List.of(uri), 4, Duration.ofMillis(500), false, dir,
          List.of(self)).run();

      assertTrue(sample.requestsPerSecond() > 0, "served " + sample.requestsPerSecond() + " req/s");
      assertTrue(sample.compiling() >= 0 && sample.compiling() <= 2, "JIT share " + sample.compiling());
    } finally {
      server.stop(0);
    }
  }
}
