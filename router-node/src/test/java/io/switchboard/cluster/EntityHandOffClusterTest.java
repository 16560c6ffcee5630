package io.switchboard.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.persistence.PostgresExtension;
import io.switchboard.provider.openai.FakeOpenAi;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 22: the node holding a provider's entity leaves gracefully (as in a rolling restart) while
 * requests arriving at the other node keep asking for admission. Pekko's shard region drops the asks
 * it buffered for the shard during the hand-off; each must still be answered, on the entity's new
 * node, long before its deadline (a lost ask would be answered only at its deadline plus a margin).
 *
 * <p>Real time: cluster formation, the leave and the hand-off run on Pekko's own timers.
 */
@Tag("integration")
class EntityHandOffClusterTest {
  @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();
  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
  @RegisterExtension static final TestCluster cluster = new TestCluster(postgres);

  private static final Duration MAX_WAIT = Duration.ofSeconds(30);
  private static final int REQUESTS = 200;
  private static final long EVERY_MILLIS = 25;

  private static final String CONFIG = """
      switchboard.providers.simulated = null
      switchboard.models.switchboard-sim = null
      switchboard.providers.moving { kind = openai, openai.base-url = "%s", retries.max-attempts = 1,
        max-in-flight = 8, reask-after = 1s }
      switchboard.models.m-moving { provider = moving, upstream-model = "gpt-4o" }
      """;

  /** One request's answer and how long it took, from sending to its answer. */
  private record Answer(HttpResponse<String> response, long millis) {}

  private CompletableFuture<Answer> chat(ClusterNode node) {
    long sent = System.nanoTime();
    return cluster.http().sendAsync(HttpRequest.newBuilder(node.uri("/v1/chat/completions"))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .header("x-switchboard-max-wait", MAX_WAIT.toMillis() + "ms")
            .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m-moving\",\"max_tokens\":16,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello.\"}]}"))
            .build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new Answer(r, (System.nanoTime() - sent) / 1_000_000));
  }

  @Test
  void nodeHoldingAnEntity_leavingGracefully_whileAdmissionsFlow_answersEveryOneLongBeforeItsDeadline() {
    // Eight slots and 50 ms a call: room for four times the load, so what waits, waits for the hand-off.
    upstream.answer(upstream.delayed(Duration.ofMillis(50)));
    cluster.start(2, CONFIG.formatted(upstream.baseUrl()));
    List<ClusterNode> nodes = cluster.nodes();
    String hostAddress = nodes.get(0).status("moving").node();
    ClusterNode host = nodes.stream().filter(n -> n.address().equals(hostAddress)).findFirst().orElseThrow();
    ClusterNode survivor = nodes.stream().filter(n -> n != host).findFirst().orElseThrow();

    // Requests arrive at the surviving node, one every 25 ms, before, during and after the leave.
    AtomicInteger answered = new AtomicInteger();
    List<CompletableFuture<Answer>> sent = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      sent.add(CompletableFuture.supplyAsync(() -> survivor,
              CompletableFuture.delayedExecutor(i * EVERY_MILLIS, TimeUnit.MILLISECONDS))
          .thenCompose(this::chat)
          .whenComplete((a, e) -> answered.incrementAndGet()));
    }
    cluster.awaitTrue(() -> answered.get() >= 10, Duration.ofSeconds(30), "the load is under way");
    cluster.leaveGracefully(host);
    assertTrue(answered.get() < REQUESTS, "requests were still arriving after the node left");

    long slowest = 0;
    for (CompletableFuture<Answer> f : sent) {
      Answer a = f.orTimeout(60, TimeUnit.SECONDS).join();
      assertEquals(200, a.response().statusCode(), "every request was served: " + a.response().body());
      slowest = Math.max(slowest, a.millis());
    }
    assertTrue(slowest < MAX_WAIT.toMillis() / 2,
        "every admission was answered long before its " + MAX_WAIT.toSeconds() + " s deadline; slowest: "
            + slowest + " ms");
    assertNotEquals(hostAddress, survivor.status("moving").node());
    assertEquals(survivor.address(), survivor.status("moving").node(), "the entity lives on the survivor now");
  }
}
