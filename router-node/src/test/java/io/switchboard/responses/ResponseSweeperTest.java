package io.switchboard.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.LogCapture;
import io.switchboard.config.ResponseStoreSettings;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The sweeper over a journal's persistence ids, with the entities' answers stubbed: it checks every
 * stored response and nothing else, no faster than its rate, and logs its progress and its result.
 * What a check does to a response: {@link ResponseEntityTest}; the whole on real databases:
 * {@link ResponseStoreContract}.
 */
@Tag("unit")
class ResponseSweeperTest {
  private static final int STORED = 2100;
  private static final int RATE = 1000;
  private static final ResponseStoreSettings SETTINGS = new ResponseStoreSettings(Duration.ofDays(30),
      Duration.ofMinutes(2), Duration.ofSeconds(10), Duration.ofMillis(50), RATE);

  private final ActorTestKit kit = ActorTestKit.create("response-sweeper-test");

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void sweep_checksEveryStoredResponseAtItsRate_andLogsProgressAndResult() {
    List<String> responseIds = IntStream.range(0, STORED).mapToObj(i -> "resp_" + i).toList();
    List<String> journal = Stream.concat(
        responseIds.stream().map(id -> ResponseEntity.persistenceId(id).id()),
        Stream.of("provider|openai", "stored-response-other|resp_0", "api-key|k1")).toList();
    Set<String> checked = ConcurrentHashMap.newKeySet();
    long started = System.nanoTime();

    try (LogCapture log = LogCapture.start()) {
      kit.spawn(ResponseSweeper.create(SETTINGS, () -> Source.from(journal), id -> {
        checked.add(id);
        if (id.equals("resp_7")) return CompletableFuture.failedFuture(new IllegalStateException("ask timed out"));
        return CompletableFuture.completedFuture(Integer.parseInt(id.substring(5)) % 2 == 1);
      }));

      kit.createTestProbe().awaitAssert(Duration.ofSeconds(30), () -> {
        assertTrue(lines(log, "Swept stored responses").contains("WARN io.switchboard.responses.ResponseSweeper "
            + "Swept stored responses: 2100 checked, 1049 expired removed, 1 not answered in time"),
            "the result, with the one check that failed: " + lines(log, "Swept"));
        return null;
      });
      long elapsedMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();
      assertTrue(elapsedMillis >= 1500, STORED + " checks at " + RATE + " a second took only " + elapsedMillis + " ms");
      assertEquals(Set.copyOf(responseIds), Set.copyOf(checked), "every stored response, and nothing else");
      List<String> progress = lines(log, "so far");
      for (String count : List.of("1000", "2000")) {
        assertTrue(progress.stream().anyMatch(line -> line.startsWith(
            "INFO io.switchboard.responses.ResponseSweeper Sweeping stored responses: " + count + " checked, ")),
            "progress every 1000 checks: " + progress);
      }
    }
  }

  /** The lines of the sweeper's that contain {@code text}, without their MDC. */
  private static List<String> lines(LogCapture log, String text) {
    return log.lines().stream().filter(line -> line.contains("ResponseSweeper") && line.contains(text))
        .map(line -> line.substring(0, line.lastIndexOf(" {"))).collect(Collectors.toList());
  }
}
