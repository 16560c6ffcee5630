package io.switchboard.usage;

import static io.switchboard.exchange.PipelineFixture.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.ManualClock;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.exchange.PipelineFixture;
import io.switchboard.exchange.PipelineFixture.RecordingKeys;
import io.switchboard.keys.Caller;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.routing.Deployment;
import io.switchboard.tokens.PromptEstimate;
import io.switchboard.tokens.TokenEstimator;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link Metering} and its {@link Meter}: what a key reserves before dispatch, and how a request's end
 * settles it and reaches the usage ledger: with nothing spent when no upstream answered, with counts
 * from the gateway's tokenizer when the upstream reported none.
 */
@Tag("unit")
class MeteringTest {
  // Made per run of the class, not once per JVM: mutation testing (PIT) runs the class again and again in
  // one JVM, and a kit shut down by the previous run would fail every later test whatever the code does.
  private static ActorTestKit testKit;
  private static final Duration QUIET = Duration.ofMillis(200);
  private static final ChatCompletionRequest CHAT = PipelineFixture.chat("""
      {"model":"pair","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Greet me"}]}""");

  private final ManualClock clock = new ManualClock(Instant.parse("2026-05-04T12:00:00Z"));
  private PipelineFixture fixture;
  private TestProbe<UsageLedger.Command> ledger;
  private Metering metering;

  @BeforeAll
  static void startKit() {
    testKit = ActorTestKit.create("metering-test");
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void wire() {
    fixture = new PipelineFixture(testKit, clock, """
        switchboard.providers.cheap.kind = openai
        switchboard.providers.dear.kind = openai
        switchboard.models.pair.deployments = [
          { provider = cheap, upstream-model = "gpt-4o-mini", max-output-tokens = 1000
            input-price-per-million = 1, output-price-per-million = 1 }
          { provider = dear, upstream-model = "gpt-4o", max-output-tokens = 100
            input-price-per-million = 100, output-price-per-million = 200 }
        ]
        """);
    ledger = testKit.createTestProbe();
    metering = fixture.metering(ledger.getRef());
  }

  private Meter open(Caller caller) throws Exception {
    return metering.open(caller, CHAT, new PromptEstimate(new TokenEstimator(), CHAT), fixture.deployments("pair"),
        "req-3").toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private Deployment cheap() {
    return fixture.deployments("pair").get(0);
  }

  private UsageRecord recorded() {
    return ledger.expectMessageClass(UsageLedger.Record.class).record();
  }

  private static int prompt() {
    return new TokenEstimator().promptTokens(CHAT, "gpt-4o");
  }

  private static BigDecimal usd(long microDollarsTimesPricePerMillion) {
    return BigDecimal.valueOf(microDollarsTimesPricePerMillion).movePointLeft(6);
  }

  @Test
  void limitedKey_reservesTheMostTokensAndTheHighestCostOverTheDeployments() throws Exception {
    open(Caller.of(key("k1", true)));

    List<RecordingKeys.Reserved> reserved = fixture.keys().reserved();
    assertEquals(1, reserved.size());
    int prompt = prompt();
    assertEquals(prompt + 1000, reserved.get(0).tokens(), "the cheap deployment's larger output reservation");
    BigDecimal dearest = usd(prompt * 100L + 100 * 200);
    assertEquals(0, dearest.compareTo(reserved.get(0).maxCostUsd()),
        "the dear deployment's cost: " + reserved.get(0).maxCostUsd().toPlainString());
  }

  @Test
  void unlimitedKeyAndAnonymousCaller_reserveNothing_yetTheirCallsAreRecorded() throws Exception {
    Meter unlimited = open(Caller.of(key("k2", false)));
    Meter anonymous = open(Caller.ANONYMOUS);
    unlimited.answered(cheap(), new TokenUsage(10, 5), PipelineFixture.completion("hi", 10, 5));
    anonymous.answered(cheap(), new TokenUsage(10, 5), PipelineFixture.completion("hi", 10, 5));

    assertTrue(fixture.keys().reserved().isEmpty(), "no key admission asked");
    assertTrue(fixture.keys().settled().isEmpty(), "nothing to settle");
    assertEquals("k2", recorded().keyId());
    assertNull(recorded().keyId(), "an anonymous call is recorded without a key");
  }

  @Test
  void failedDispatch_settlesTheKeyWithNothingSpent_andFailsAsItDid() throws Exception {
    Meter meter = open(Caller.of(key("k1", true)));
    UpstreamException down = PipelineFixture.serverError("cheap");

    CompletableFuture<Object> watched = meter.watch(CompletableFuture.failedFuture(down)).toCompletableFuture();

    ExecutionException failure = assertThrows(ExecutionException.class,
        () -> watched.get(10, TimeUnit.SECONDS));
    assertSame(down, failure.getCause());
    List<RecordingKeys.Settled> settled = fixture.keys().settled();
    assertEquals(1, settled.size());
    assertEquals(0, settled.get(0).tokens());
    assertEquals(0, BigDecimal.ZERO.compareTo(settled.get(0).costUsd()));
  }

  @Test
  void streamWithoutUsage_isCountedWithTheTokenizer() throws Exception {
    Meter meter = open(Caller.of(key("k1", true)));
    List<CallOutcome> released = new CopyOnWriteArrayList<>();
    Meter.Streaming stream = meter.streaming(cheap(),
        Source.from(PipelineFixture.streamEvents("Hello", " there", ", world")), released::add);

    List<ByteString> sent = stream.events().runWith(Sink.seq(), testKit.system()).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    CallOutcome ended = new CallOutcome.Succeeded(null, UpstreamSignals.NONE);
    stream.settle().accept(ended);

    assertEquals(4, sent.size(), "the events pass unchanged");
    assertEquals(List.of(ended), released, "the provider permit is released with how the stream ended");
    UsageRecord record = recorded();
    int prompt = prompt();
    assertEquals(prompt, record.promptTokens(), "the prompt as the gateway estimated it");
    // "Hello there, world" is 4 tokens in gpt-4o-mini's o200k_base: Hello| there|,| world
    assertEquals(4, record.completionTokens(), "the streamed text, counted");
    assertEquals(UsageRecord.SUCCESS, record.outcome());
    assertEquals(clock.millis(), record.atEpochMillis());
    ledger.expectNoMessage(QUIET);
    List<RecordingKeys.Settled> settled = fixture.keys().settled();
    assertEquals(1, settled.size());
    assertEquals(prompt + 4, settled.get(0).tokens());
    assertEquals(0, usd(prompt + 4).compareTo(settled.get(0).costUsd()), "at $1 per million in and out");
  }

  @Test
  void wholeAnswerWithoutUsage_isCountedFromItsText() throws Exception {
    Meter meter = open(Caller.of(key("k1", true)));

    meter.answered(cheap(), null, PipelineFixture.completion("Hello there, world", -1, -1));

    UsageRecord record = recorded();
    assertEquals(prompt(), record.promptTokens());
    assertEquals(4, record.completionTokens());
    assertEquals(prompt() + 4, fixture.keys().settled().get(0).tokens());
  }

  @Test
  void wholeResponsesApiAnswerWithoutUsage_isCountedFromItsOutputText() throws Exception {
    Meter meter = open(Caller.of(key("k1", true)));

    meter.answered(cheap(), null, ByteString.fromString("{\"object\":\"response\",\"output\":[{\"type\":\"message\","
        + "\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Hello there, world\"}]}],"
        + "\"usage\":null}"));

    assertEquals(4, recorded().completionTokens());
  }

  @Test
  void aStreamContinuedElsewhere_isRecordedAsFailed_andTheKeyIsChargedForBothCalls() throws Exception {
    Meter meter = open(Caller.of(key("k1", true)));
    List<CallOutcome> released = new CopyOnWriteArrayList<>();
    Meter.Streaming broken = meter.streaming(cheap(), Source.from(PipelineFixture.streamEvents("Hello", " there")),
        released::add);
    broken.events().runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    CallOutcome reset = new CallOutcome.Failed(true, false, UpstreamSignals.NONE);

    broken.failedOver().apply(reset, "unused: the tally read the text").toCompletableFuture()
        .get(10, TimeUnit.SECONDS);

    UsageRecord failed = recorded();
    assertEquals("upstream_stream_error", failed.outcome());
    assertEquals(prompt(), failed.promptTokens());
    assertEquals(2, failed.completionTokens(), "what it streamed, counted: Hello| there");
    assertEquals(List.of(reset), released, "its provider permit released as failed");
    assertTrue(fixture.keys().settled().isEmpty(), "the key is settled by the call that ends the request");
    broken.settle().accept(new CallOutcome.Succeeded(null, UpstreamSignals.NONE));
    assertEquals(1, released.size(), "a stream failed over is not settled again");

    Deployment dear = fixture.deployments("pair").get(1);
    Meter.Streaming continued = meter.streaming(dear, Source.from(PipelineFixture.streamEvents("!")), released::add);
    continued.events().runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    continued.settle().accept(new CallOutcome.Succeeded(new TokenUsage(40, 1), UpstreamSignals.NONE));

    UsageRecord answered = recorded();
    assertEquals(UsageRecord.SUCCESS, answered.outcome());
    assertEquals("dear/gpt-4o", answered.deployment());
    List<RecordingKeys.Settled> settled = fixture.keys().settled();
    assertEquals(1, settled.size());
    assertEquals(prompt() + 2 + 40 + 1, settled.get(0).tokens(), "both calls' tokens");
    assertEquals(0, failed.costUsd().add(answered.costUsd()).compareTo(settled.get(0).costUsd()),
        "both calls' cost: " + settled.get(0).costUsd());
    assertTrue(answered.costUsd().signum() > 0 && failed.costUsd().signum() > 0);
  }

  @Test
  void aStreamFailedOverWhoseContinuationNeverCame_chargesTheKeyForWhatItStreamed() throws Exception {
    Meter meter = open(Caller.of(key("k1", true)));
    Meter.Streaming broken = meter.streaming(cheap(), Source.from(PipelineFixture.streamEvents("Hello", " there")),
        outcome -> {});
    broken.events().runWith(Sink.seq(), testKit.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    broken.failedOver().apply(new CallOutcome.Failed(true, false, UpstreamSignals.NONE), "")
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    UsageRecord failed = recorded();

    meter.settleCarried();

    List<RecordingKeys.Settled> settled = fixture.keys().settled();
    assertEquals(1, settled.size());
    assertEquals(prompt() + 2, settled.get(0).tokens());
    assertEquals(0, failed.costUsd().compareTo(settled.get(0).costUsd()));
  }
}
