package io.switchboard.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.provider.UsageReader;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A stream's last byte waits for its usage record ({@code switchboard.usage.durability = committed}):
 * its events, end marker included, pass at once; the stream completes only once the record settlement
 * made is durable, so a client that saw the whole stream is in the ledger.
 */
@Tag("integration")
class SseResponseRecordTest {
  private static final ActorTestKit testKit = ActorTestKit.create("sse-record-test");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void streamCompletes_onlyOnceItsUsageRecordIsDurable() throws Exception {
    List<ByteString> events = List.of(ByteString.fromString("data: {\"choices\":[]}\n\n"),
        ByteString.fromString("data: [DONE]\n\n"));
    List<CallOutcome> settled = new CopyOnWriteArrayList<>();
    CompletableFuture<Done> recorded = new CompletableFuture<>();
    List<ByteString> received = new CopyOnWriteArrayList<>();

    CompletableFuture<Done> sent = SseResponse.guarded(Source.from(events), settled::add, recorded,
            UpstreamSignals.NONE, SseDialect.openAi(new UsageReader(MAPPER), MAPPER), MAPPER, "req-1")
        .runWith(Sink.foreach(received::add), testKit.system()).toCompletableFuture();

    TestProbe<Object> waiter = testKit.createTestProbe();
    waiter.awaitAssert(Duration.ofSeconds(10), () -> {
      assertEquals(events, received, "every event, the end marker too, is sent at once");
      assertEquals(1, settled.size(), "the stream is settled when its events end");
      return null;
    });
    assertFalse(sent.isDone(), "its end waits for the record");

    recorded.complete(Done.getInstance());
    sent.get(10, TimeUnit.SECONDS);
    assertEquals(events, received, "nothing is added");
  }
}
