package io.switchboard.warmup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.LogCapture;
import io.switchboard.TestGateway;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node's warm-up: {@code /ready} waits for it, it really drives requests through a gateway and its
 * upstream, it leaves nothing behind that a user could see, and it never keeps the node from serving.
 */
@Tag("integration")
class WarmUpTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REQUESTS = "switchboard.warm-up { enabled = on, requests = 24, concurrency = 4 }\n";

  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  @Test
  void ready_answers503WhileWarmingUp_and200After_leavingNothingBehind() throws Exception {
    CompletableFuture<Integer> upstreamMayAnswer = new CompletableFuture<>();
    WarmUp.Hooks hooks = new WarmUp.Hooks(() -> upstreamMayAnswer, new CompletableFuture<>());
    try (LogCapture log = LogCapture.start()) {
      TestGateway gateway = gateways.start(REQUESTS + "switchboard.warm-up.max-duration = 60s", hooks);

      // The upstream holds every answer back: the warm-up cannot be over, whatever the machine's pace.
      assertEquals(503, gateway.get("/ready").statusCode());
      String modelsBefore = gateway.get("/v1/models").body();
      upstreamMayAnswer.complete(200);
      WarmUp.Outcome outcome = hooks.outcome().get(60, TimeUnit.SECONDS);

      assertEquals(200, gateway.get("/ready").statusCode());
      assertEquals(24, outcome.sent());
      assertEquals(24, outcome.answered(), outcome.toString());
      assertEquals(24, outcome.upstreamCalls(), "each request went through the gateway to its upstream");
      assertNull(outcome.problem());
      assertTrue(log.lines().stream().anyMatch(line -> line.startsWith("INFO io.switchboard.warmup.WarmUp Warm-up done:")
          && line.contains("24 requests sent, 24 answered")), String.join("\n", log.lines()));
      // Every answer, each dialect to each provider kind, plain and streamed, went through without a fault
      // (a broken stream is answered 200 and cut: the gateway would log it).
      assertEquals(List.of(), log.lines().stream()
          .filter(line -> line.startsWith("WARN") || line.startsWith("ERROR"))
          .filter(line -> !line.contains("running OPEN")).toList());

      assertEquals(modelsBefore, gateway.get("/v1/models").body());
      assertFalse(modelsBefore.contains("warm-up"), modelsBefore);
      JsonNode usage = JSON.readTree(gateway.get("/admin/usage?group_by=model").body()).path("data");
      assertTrue(usage.isArray() && usage.isEmpty(), usage.toString());
      JsonNode keys = JSON.readTree(gateway.get("/admin/keys").body()).path("data");
      assertTrue(keys.isArray() && keys.isEmpty(), "the warm-up's key lives in its own database: " + keys);
      String metrics = gateway.get("/metrics").body();
      assertFalse(metrics.contains("gen_ai_client_operation_duration_seconds_count"), metrics);
      assertFalse(metrics.contains("warm-up"), metrics);

      // What a served request leaves, and the warm-up's did not.
      assertEquals(200, gateway.post("/v1/chat/completions",
          "{\"model\":\"switchboard-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode());
      assertTrue(gateway.get("/metrics").body().contains("gen_ai_client_operation_duration_seconds_count"));
    }
  }

  @Test
  void disabled_readyAtOnce_withoutAWarmUp() {
    try (LogCapture log = LogCapture.start()) {
      TestGateway gateway = gateways.start("switchboard.warm-up.enabled = off");

      assertEquals(200, gateway.get("/ready").statusCode());
      assertTrue(log.lines().stream().noneMatch(line -> line.contains("Warm-up")), String.join("\n", log.lines()));
    }
  }

  @Test
  void failingUpstream_stillEndsWithTheNodeReady_andAWarning() throws Exception {
    CompletionStage<Integer> failing = CompletableFuture.completedFuture(500);
    WarmUp.Hooks hooks = new WarmUp.Hooks(() -> failing, new CompletableFuture<>());
    try (LogCapture log = LogCapture.start()) {
      TestGateway gateway = gateways.start(REQUESTS + "switchboard.warm-up.max-duration = 60s", hooks);

      WarmUp.Outcome outcome = hooks.outcome().get(60, TimeUnit.SECONDS);

      assertEquals(200, gateway.get("/ready").statusCode());
      assertEquals(24, outcome.sent());
      assertEquals(0, outcome.answered());
      assertNotNull(outcome.problem());
      assertTrue(log.lines().stream().anyMatch(line -> line.startsWith("WARN io.switchboard.warmup.WarmUp Warm-up stopped:")
          && line.contains("requests failed")), String.join("\n", log.lines()));
    }
  }

  @Test
  void warmUpPastMaxDuration_isCutShort_andTheNodeTurnsReady() throws Exception {
    WarmUp.Hooks hooks = new WarmUp.Hooks(CompletableFuture::new, new CompletableFuture<>());
    try (LogCapture log = LogCapture.start()) {
      TestGateway gateway = gateways.start(REQUESTS + "switchboard.warm-up.max-duration = 2s", hooks);

      assertEquals(503, gateway.get("/ready").statusCode());
      WarmUp.Outcome outcome = hooks.outcome().get(30, TimeUnit.SECONDS);

      assertEquals(200, gateway.get("/ready").statusCode());
      assertEquals(0, outcome.upstreamCalls());
      assertTrue(outcome.problem().contains("max-duration"), outcome.problem());
      assertTrue(log.lines().stream().anyMatch(line -> line.startsWith("WARN io.switchboard.warmup.WarmUp Warm-up stopped:")
          && line.contains("switchboard.warm-up.max-duration")), String.join("\n", log.lines()));
    }
  }
}
