package io.switchboard.exchange;

import static io.switchboard.exchange.PipelineFixture.MAPPER;
import static io.switchboard.exchange.PipelineFixture.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.switchboard.api.anthropic.MessagesRequest;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.cache.ResponseCache;
import io.switchboard.cache.StreamReplay;
import io.switchboard.keys.Caller;
import io.switchboard.keys.ModelNotAllowedException;
import io.switchboard.metrics.GatewayMetrics;
import io.switchboard.metrics.ProviderStatistics;
import io.switchboard.metrics.Telemetry;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.provider.UsageReader;
import io.switchboard.provider.anthropic.AnthropicToOpenAiRequest;
import io.switchboard.provider.anthropic.AnthropicUsage;
import io.switchboard.routing.Dispatcher;
import io.switchboard.routing.ModelNotFoundException;
import io.switchboard.routing.RequestTrace;
import io.switchboard.tokens.TokenEstimator;
import io.switchboard.usage.UsageLedger;
import io.switchboard.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link ChatPipeline} step by step, with everything real but the upstreams and the key actors
 * ({@link PipelineFixture}): what each step refuses, which steps a cache hit skips, that a call is
 * settled exactly once (provider permit, key spend, usage record), the dialect of the answer, and what
 * a failure is measured as.
 */
@Tag("unit")
class ChatPipelineTest {
  private static final ActorTestKit testKit = ActorTestKit.create("chat-pipeline-test");
  private static final Duration QUIET = Duration.ofMillis(200);

  private PipelineFixture fixture;
  private TestProbe<UsageLedger.Command> ledger;
  private Telemetry telemetry;
  private final AtomicInteger promptCounts = new AtomicInteger();
  private ChatPipeline pipeline;

  /** Counts every prompt it counts, to prove a call counts its prompt once. */
  private final class CountingEstimator extends TokenEstimator {
    @Override
    public int promptTokens(ChatCompletionRequest request, String upstreamModel) {
      promptCounts.incrementAndGet();
      return super.promptTokens(request, upstreamModel);
    }
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void wire() {
    fixture = new PipelineFixture(testKit, Clock.systemUTC(), """
        switchboard.providers.openai { kind = openai, retries.max-attempts = 1 }
        switchboard.providers.backup.kind = openai
        switchboard.providers.anthropic.kind = anthropic
        switchboard.models.gpt {
          provider = openai, upstream-model = "gpt-4o-mini"
          input-price-per-million = 2, output-price-per-million = 8
        }
        switchboard.models.claude { provider = anthropic, upstream-model = "claude-sonnet-4-5" }
        switchboard.models.twice.deployments = [
          { provider = openai, upstream-model = "gpt-4o-mini" }
          { provider = backup, upstream-model = "gpt-4o-mini" }
        ]
        """);
    ledger = testKit.createTestProbe();
    telemetry = new Telemetry(new GatewayMetrics(),
        new ProviderStatistics(fixture.settings().metrics(), Clock.systemUTC()));
    pipeline = new ChatPipeline(fixture.router(), new CountingEstimator(), fixture.metering(ledger.getRef()),
        new Dispatcher(Clock.systemUTC(), testKit.system(), new Random(7), telemetry),
        new ResponseCache(fixture.settings().cache(), MAPPER, Ticker.systemTicker()), new StreamReplay(MAPPER),
        telemetry, new UsageReader(MAPPER), new AnthropicUsage(MAPPER),
        failure -> "label-" + failure.getClass().getSimpleName());
  }

  private static Call openAi(Caller caller, String model, boolean stream, boolean cache) {
    String json = """
        {"model":"%s","stream":%s,"messages":[{"role":"user","content":"Say hello"}]}""".formatted(model, stream);
    return Call.openAi(new RequestTrace("req-1"), System.nanoTime(), caller, PipelineFixture.chat(json),
        ByteString.fromString(json), Optional.empty(), cache);
  }

  private static Call anthropic(String model) throws Exception {
    String json = """
        {"model":"%s","max_tokens":64,"messages":[{"role":"user","content":"Say hello"}]}""".formatted(model);
    MessagesRequest messages = MAPPER.readValue(json, MessagesRequest.class);
    return Call.anthropic(new RequestTrace("req-1"), System.nanoTime(), Caller.ANONYMOUS,
        AnthropicToOpenAiRequest.translate(messages), ByteString.fromString(json), Optional.empty(), false);
  }

  private Answer serve(Call call) throws Exception {
    return pipeline.serve(call).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private Throwable failure(Call call) throws Exception {
    try {
      serve(call);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the call was answered");
  }

  private UsageRecord recorded() {
    return ledger.expectMessageClass(UsageLedger.Record.class).record();
  }

  /** Failed requests measured, by their {@code error.type} label. */
  private List<Timer> failedRequests() {
    MeterRegistry registry = telemetry.metrics().registry();
    return registry.find("gen_ai.client.operation.duration").timers().stream()
        .filter(t -> !t.getId().getTag("error.type").isEmpty() && t.count() > 0).toList();
  }

  @Test
  void unknownModel_failsWithModelNotFound_withoutAnUpstreamCallOrAMetricLabel() throws Exception {
    Throwable failure = failure(openAi(Caller.of(key("k1", true)), "gpt-5-nope", false, false));

    assertInstanceOf(ModelNotFoundException.class, failure);
    assertEquals(0, fixture.upstreamCalls());
    assertTrue(fixture.keys().reserved().isEmpty(), "nothing reserved");
    assertTrue(telemetry.metrics().registry().find("gen_ai.client.operation.duration").timers().isEmpty(),
        "an unknown model name never becomes a metric label");
  }

  @Test
  void keyNotAllowedTheModel_failsWithModelNotAllowed_withoutAnUpstreamCallOrAReservation() throws Exception {
    Throwable failure = failure(openAi(Caller.of(key("k1", true, "claude")), "gpt", false, false));

    assertInstanceOf(ModelNotAllowedException.class, failure);
    assertEquals(0, fixture.upstreamCalls());
    assertTrue(fixture.keys().reserved().isEmpty(), "the key reserved nothing");
    assertEquals(0, fixture.inFlight("openai"), "no provider permit taken");
    ledger.expectNoMessage(QUIET);
  }

  @Test
  void cachedAnswer_isServedWithoutAnUpstreamCall_andMarkedHit() throws Exception {
    Caller caller = Caller.of(key("k1", true));
    Answer.Complete first = (Answer.Complete) serve(openAi(caller, "gpt", false, true));
    recorded();

    Answer.Complete second = (Answer.Complete) serve(openAi(caller, "gpt", false, true));

    assertEquals(Answer.Cache.MISS, first.served().cache());
    assertEquals(Answer.Cache.HIT, second.served().cache());
    assertEquals(first.body(), second.body());
    assertEquals("openai/gpt-4o-mini", second.served().deployment());
    assertEquals(1, fixture.upstream("openai").calls().size(), "only the first call went upstream");
    assertEquals(1, fixture.keys().reserved().size(), "a hit takes no admission at the key");
    ledger.expectNoMessage(QUIET);
  }

  @Test
  void wholeAnswer_isSettledOnce_permitReleasedSpendSettledOneUsageRecord() throws Exception {
    Answer answer = serve(openAi(Caller.of(key("k1", true)), "gpt", false, false));

    assertInstanceOf(Answer.Complete.class, answer);
    assertEquals(0, fixture.inFlight("openai"), "the provider permit was released");
    UsageRecord record = recorded();
    assertEquals("openai/gpt-4o-mini", record.deployment());
    assertEquals(UsageRecord.SUCCESS, record.outcome());
    assertEquals(11, record.promptTokens(), "the upstream's reported usage");
    assertEquals(7, record.completionTokens());
    ledger.expectNoMessage(QUIET);
    // 11 * $2 + 7 * $8 per million tokens
    BigDecimal cost = new BigDecimal("0.000078");
    assertEquals(0, cost.compareTo(record.costUsd()), record.costUsd().toPlainString());
    assertEquals(1, fixture.keys().settled().size(), "the key's reservation settled once");
    assertEquals(18, fixture.keys().settled().get(0).tokens());
    assertEquals(0, cost.compareTo(fixture.keys().settled().get(0).costUsd()));
  }

  @Test
  void stream_isSettledOnlyWhenItsSenderSettlesIt_andOnlyOnce() throws Exception {
    fixture.upstream("openai").answers(new UpstreamReply.Streaming(
        Source.from(PipelineFixture.streamEvents("Hel", "lo")), UpstreamSignals.NONE));

    Answer.Streaming stream = (Answer.Streaming) serve(openAi(Caller.of(key("k1", true)), "gpt", true, false));
    List<ByteString> events = stream.events().runWith(Sink.seq(), testKit.system()).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);

    assertEquals(3, events.size(), "both chunks and [DONE] pass through");
    assertEquals(1, fixture.inFlight("openai"), "the permit is held until the stream is settled");
    ledger.expectNoMessage(QUIET);
    assertTrue(fixture.keys().settled().isEmpty(), "the key is not settled before the stream is");

    CallOutcome ended = new CallOutcome.Succeeded(new TokenUsage(9, 2), UpstreamSignals.NONE);
    stream.settle().accept(ended);

    assertEquals(0, fixture.inFlight("openai"));
    UsageRecord record = recorded();
    assertEquals(9, record.promptTokens());
    assertEquals(2, record.completionTokens());
    assertEquals(1, fixture.keys().settled().size());

    stream.settle().accept(CallOutcome.NOT_SENT);

    ledger.expectNoMessage(QUIET);
    assertEquals(1, fixture.keys().settled().size(), "a second settle changes nothing");
    assertEquals(1, telemetry.metrics().registry().find("gen_ai.client.operation.duration").timers().stream()
        .mapToLong(Timer::count).sum(), "the request is measured once");
  }

  @Test
  void anthropicCall_toAnUpstreamThatPassesAnthropicThrough_isAnsweredInAnthropicsDialect() throws Exception {
    Call call = anthropic("claude");

    Answer answer = serve(call);

    assertEquals(Dialect.ANTHROPIC, answer.dialect());
    assertEquals(call.anthropicBody(), fixture.upstream("anthropic").calls().get(0).call().anthropicBody(),
        "the upstream was sent the client's own bytes");
    UsageRecord record = recorded();
    assertEquals(5, record.promptTokens(), "usage read from the Anthropic message");
    assertEquals(3, record.completionTokens());
  }

  @Test
  void anthropicCall_toAnOpenAiUpstream_isAnsweredInOpenAisDialect() throws Exception {
    Answer answer = serve(anthropic("gpt"));

    assertEquals(Dialect.OPENAI, answer.dialect(), "the ingress translates it back");
    assertEquals(11, recorded().promptTokens(), "usage read from the OpenAI completion");
  }

  @Test
  void openAiCall_toAnAnthropicUpstream_isAnsweredInOpenAisDialect() throws Exception {
    Answer answer = serve(openAi(Caller.ANONYMOUS, "claude", false, false));

    assertEquals(Dialect.OPENAI, answer.dialect());
    assertNull(fixture.upstream("anthropic").calls().get(0).call().anthropicBody());
  }

  @Test
  void prompt_isCountedOncePerCall_evenWhenAFallbackServesTheSameUpstreamModel() throws Exception {
    fixture.upstream("openai").fails(PipelineFixture.serverError("openai"));
    fixture.upstream("backup").answers(new UpstreamReply.Complete(PipelineFixture.completion("ok", -1, -1)));

    Answer answer = serve(openAi(Caller.of(key("k1", true)), "twice", false, false));

    assertEquals("backup/gpt-4o-mini", answer.served().deployment());
    recorded(); // the failed call
    UsageRecord served = recorded();
    assertTrue(served.promptTokens() > 0, "counted by the gateway, the upstream reported none");
    assertEquals(1, promptCounts.get(),
        "one count for the key's reservation, both deployments' admissions and the usage record");
  }

  @Test
  void failure_isMeasuredOnce_withTheInjectedLabel() throws Exception {
    fixture.upstream("openai").fails(PipelineFixture.badRequest("openai"));

    Throwable failure = failure(openAi(Caller.ANONYMOUS, "gpt", false, false));

    assertInstanceOf(UpstreamException.class, failure);
    List<Timer> failed = failedRequests();
    assertEquals(1, failed.size(), failed.toString());
    assertEquals("label-UpstreamException", failed.get(0).getId().getTag("error.type"));
    assertEquals(1, failed.get(0).count());
  }
}
