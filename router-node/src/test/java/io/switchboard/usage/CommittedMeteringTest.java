package io.switchboard.usage;

import static io.switchboard.exchange.PipelineFixture.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.switchboard.LogCapture;
import io.switchboard.ManualClock;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.config.UsageSettings;
import io.switchboard.exchange.PipelineFixture;
import io.switchboard.keys.Caller;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.routing.Deployment;
import io.switchboard.tokens.PromptEstimate;
import io.switchboard.tokens.TokenEstimator;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code switchboard.usage.durability}: in {@code committed} mode a whole answer and a stream's end wait
 * for the ledger to say their record is durable, and go on after {@code commit-timeout} when it does not;
 * in {@code batched} mode nothing waits.
 */
@Tag("unit")
class CommittedMeteringTest {
  private static final ActorTestKit testKit = ActorTestKit.create("committed-metering-test");
  private static final Duration QUIET = Duration.ofMillis(200);
  private static final ChatCompletionRequest CHAT = PipelineFixture.chat("""
      {"model":"solo","messages":[{"role":"user","content":"Greet me"}]}""");

  private final ManualClock clock = new ManualClock(Instant.parse("2026-05-04T12:00:00Z"));
  private final PipelineFixture fixture = new PipelineFixture(testKit, clock, """
      switchboard.providers.cheap.kind = openai
      switchboard.models.solo.deployments = [
        { provider = cheap, upstream-model = "gpt-4o-mini", input-price-per-million = 1, output-price-per-million = 1 }
      ]
      """);
  private final TestProbe<UsageLedger.Command> ledger = testKit.createTestProbe();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private Metering metering(UsageSettings.Durability durability, Duration timeout) {
    UsageSettings usage = new UsageSettings(Duration.ofSeconds(1), 500, 100_000, durability, timeout);
    return fixture.metering(ledger.getRef(), usage, testKit.system().scheduler());
  }

  private Meter open(UsageSettings.Durability durability, Duration timeout) throws Exception {
    return open(metering(durability, timeout));
  }

  private Meter open(Metering metering) throws Exception {
    return metering.open(Caller.of(key("k1", true)), CHAT, new PromptEstimate(new TokenEstimator(), CHAT),
        fixture.deployments("solo"), "req-1").toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private Deployment solo() {
    return fixture.deployments("solo").get(0);
  }

  @Test
  void committed_wholeAnswerWaits_untilTheLedgerHasWrittenItsRecord() throws Exception {
    Meter meter = open(UsageSettings.Durability.COMMITTED, Duration.ofSeconds(30));
    meter.answered(solo(), new TokenUsage(10, 5), PipelineFixture.completion("hi", 10, 5));
    CompletableFuture<String> answer = meter.afterRecord("answer").toCompletableFuture();

    UsageLedger.Record record = ledger.expectMessageClass(UsageLedger.Record.class);
    assertNotNull(record.committedTo(), "the ledger is asked to say when the record is durable");
    ledger.expectNoMessage(QUIET);
    assertFalse(answer.isDone(), "the answer waits for the record");

    record.committedTo().tell(StatusReply.ack());
    assertEquals("answer", answer.get(10, TimeUnit.SECONDS));
  }

  @Test
  void committed_streamsEnd_waitsUntilTheLedgerHasWrittenItsRecord() throws Exception {
    Meter meter = open(UsageSettings.Durability.COMMITTED, Duration.ofSeconds(30));
    Meter.Streaming stream = meter.streaming(solo(), Source.from(PipelineFixture.streamEvents("Hello")), outcome -> {});
    CompletableFuture<Done> recorded = stream.recorded().toCompletableFuture();
    assertFalse(recorded.isDone(), "nothing is recorded before the stream ends");

    stream.settle().accept(new CallOutcome.Succeeded(new TokenUsage(10, 1), UpstreamSignals.NONE));
    UsageLedger.Record record = ledger.expectMessageClass(UsageLedger.Record.class);
    assertEquals(UsageRecord.SUCCESS, record.record().outcome());
    ledger.expectNoMessage(QUIET);
    assertFalse(recorded.isDone(), "the stream's end waits for the record");

    record.committedTo().tell(StatusReply.ack());
    recorded.get(10, TimeUnit.SECONDS);
  }

  @Test
  void committed_ledgerThatDoesNotAnswer_holdsTheAnswerOnlyUntilTheCommitTimeout_andSaysSoOnce() throws Exception {
    Metering metering = metering(UsageSettings.Durability.COMMITTED, Duration.ofMillis(100));
    try (LogCapture logs = LogCapture.start()) {
      Meter first = open(metering);
      first.answered(solo(), new TokenUsage(10, 5), PipelineFixture.completion("hi", 10, 5));
      assertEquals("answer", first.afterRecord("answer").toCompletableFuture().get(10, TimeUnit.SECONDS),
          "the answer goes on without an error");
      Meter second = open(metering);
      second.answered(solo(), new TokenUsage(10, 5), PipelineFixture.completion("hi", 10, 5));
      second.afterRecord("again").toCompletableFuture().get(10, TimeUnit.SECONDS);

      assertEquals(1, logs.lines().stream().filter(line -> line.contains("commit-timeout")).count(),
          logs.lines().toString());
    }
  }

  @Test
  void committed_ledgerWhoseDatabaseRefusesTheWrite_letsTheAnswerGoOnAtOnce() throws Exception {
    Meter meter = open(UsageSettings.Durability.COMMITTED, Duration.ofSeconds(30));
    meter.answered(solo(), new TokenUsage(10, 5), PipelineFixture.completion("hi", 10, 5));
    CompletableFuture<String> answer = meter.afterRecord("answer").toCompletableFuture();
    UsageLedger.Record record = ledger.expectMessageClass(UsageLedger.Record.class);
    assertFalse(answer.isDone());

    record.committedTo().tell(StatusReply.error("the usage ledger could not write: down; the record is kept"));
    assertEquals("answer", answer.get(10, TimeUnit.SECONDS), "no error, and no wait for the 30 s timeout");
  }

  @Test
  void batched_nothingWaits_andTheLedgerIsAskedForNoReply() throws Exception {
    Meter meter = open(UsageSettings.Durability.BATCHED, Duration.ofSeconds(30));
    meter.answered(solo(), new TokenUsage(10, 5), PipelineFixture.completion("hi", 10, 5));
    assertEquals("answer", meter.afterRecord("answer").toCompletableFuture().getNow("still waiting"));
    assertNull(ledger.expectMessageClass(UsageLedger.Record.class).committedTo());
  }
}
