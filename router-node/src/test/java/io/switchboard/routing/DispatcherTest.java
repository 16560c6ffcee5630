package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.exchange.PipelineFixture;
import io.switchboard.exchange.PipelineFixture.ScriptedUpstream;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.Permit;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.tokens.PromptEstimate;
import io.switchboard.tokens.TokenEstimator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.testkit.ExplicitlyTriggeredScheduler;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link Dispatcher} against real admission actors and scripted upstreams ({@link PipelineFixture}):
 * when a request moves on to the next deployment and when it must not, retries with their backoff
 * (driven by {@link ManualTime}, whose scheduler is the clock too), context-window skips, and the upstream time a
 * request's trace sums.
 */
@Tag("unit")
class DispatcherTest {
  private static final ActorTestKit testKit = ActorTestKit.create("dispatcher-test",
      ManualTime.config().withFallback(ConfigFactory.load()));
  private static final ManualTime manualTime = ManualTime.get(testKit.system());
  /** Every backoff draw at the top of its range, so the n-th retry waits exactly {@code base * 2^(n-1)}. */
  private static final RandomGenerator HIGHEST = new RandomGenerator() {
    @Override
    public long nextLong() {
      return Long.MAX_VALUE;
    }

    @Override
    public long nextLong(long bound) {
      return bound - 1;
    }
  };

  private static final Clock clock = new SchedulerClock(
      (ExplicitlyTriggeredScheduler) testKit.system().classicSystem().scheduler(), Instant.parse("2026-03-01T09:00:00Z"));
  private final List<String> fallbacks = new CopyOnWriteArrayList<>();
  private final List<Throwable> failedCalls = new CopyOnWriteArrayList<>();
  private PipelineFixture fixture;
  private Dispatcher dispatcher;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void wire() {
    fixture = new PipelineFixture(testKit, clock, """
        switchboard.providers.first { kind = openai, retries.max-attempts = 1 }
        switchboard.providers.second.kind = openai
        switchboard.providers.narrow { kind = openai, max-in-flight = 1, queue.max-size = 0 }
        switchboard.providers.patient {
          kind = openai
          retries { max-attempts = 3, base-delay = 1s, max-delay = 10s }
        }
        switchboard.models.fallback.deployments = [
          { provider = first, upstream-model = "m1" }, { provider = second, upstream-model = "m2" } ]
        switchboard.models.busy.deployments = [
          { provider = narrow, upstream-model = "m1" }, { provider = second, upstream-model = "m2" } ]
        switchboard.models.strict.deployments = [
          { provider = patient, upstream-model = "m1" }, { provider = second, upstream-model = "m2" } ]
        switchboard.models.retried { provider = patient, upstream-model = "m1" }
        switchboard.providers.hurried {
          kind = openai
          timeouts.total = 1500ms
          retries { max-attempts = 3, base-delay = 1s, max-delay = 10s }
        }
        switchboard.models.hurried.deployments = [
          { provider = hurried, upstream-model = "m1" }, { provider = second, upstream-model = "m2" } ]
        switchboard.models.windows.deployments = [
          { provider = first, upstream-model = "small", context-window = 50, max-output-tokens = 100 }
          { provider = second, upstream-model = "large", context-window = 100000, max-output-tokens = 100 } ]
        switchboard.models.cramped.deployments = [
          { provider = first, upstream-model = "small", context-window = 50 }
          { provider = second, upstream-model = "small", context-window = 60 } ]
        """);
    dispatcher = new Dispatcher(clock, testKit.system(), HIGHEST, new DispatchListener() {
      @Override
      public void fallingBack(Deployment from, Deployment to) {
        fallbacks.add(from.label() + " -> " + to.label());
      }
    });
  }

  private CompletionStage<Dispatcher.Dispatched> dispatch(String model, RequestTrace trace) {
    String json = """
        {"model":"%s","messages":[{"role":"user","content":"What is the capital of France?"}]}""".formatted(model);
    ChatCompletionRequest chat = PipelineFixture.chat(json);
    return dispatcher.dispatch(new Dispatcher.Request(chat, ByteString.fromString(json), null,
        new PromptEstimate(new TokenEstimator(), chat), fixture.deployments(model), Optional.empty(), trace,
        (deployment, cause) -> failedCalls.add(cause)));
  }

  private static Dispatcher.Dispatched served(CompletionStage<Dispatcher.Dispatched> dispatch) throws Exception {
    Dispatcher.Dispatched dispatched = dispatch.toCompletableFuture().get(10, TimeUnit.SECONDS);
    dispatched.permit().release(new CallOutcome.Succeeded(null, UpstreamSignals.NONE));
    return dispatched;
  }

  private static Throwable failure(CompletionStage<Dispatcher.Dispatched> dispatch) throws Exception {
    try {
      dispatch.toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the request was served");
  }

  /**
   * The time of the ManualTime scheduler as a wall clock, so timers, admission deadlines and the times the
   * upstream logs its calls at are one time: a retry scheduled {@code d} after a call is logged at least
   * {@code d} after it, however the test's steps and the dispatcher's threads interleave.
   */
  private static final class SchedulerClock extends Clock {
    private final ExplicitlyTriggeredScheduler scheduler;
    private final long epochMillis;

    SchedulerClock(ExplicitlyTriggeredScheduler scheduler, Instant start) {
      this.scheduler = scheduler;
      this.epochMillis = start.toEpochMilli() - scheduler.currentTimeMs();
    }

    @Override
    public long millis() {
      return epochMillis + scheduler.currentTimeMs();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  /** Lets time pass in steps until {@code upstream} has been called {@code calls} times, or {@code limit} has passed. */
  private static void advanceUntil(ScriptedUpstream upstream, int calls, Duration limit) throws InterruptedException {
    Duration step = Duration.ofMillis(500);
    for (Duration passed = Duration.ZERO; !upstream.awaitCalls(calls, Duration.ofMillis(50))
        && passed.compareTo(limit) < 0; passed = passed.plus(step)) {
      manualTime.timePasses(step);
    }
  }

  @Test
  void admissionRejected_fallsBackToTheNextDeployment() throws Exception {
    Permit held = fixture.holdSlot("narrow", "m1");

    Dispatcher.Dispatched dispatched = served(dispatch("busy", RequestTrace.untraced()));

    assertEquals("second/m2", dispatched.deployment().label());
    assertEquals(0, fixture.upstream("narrow").calls().size(), "the full provider was not called");
    assertEquals(List.of("narrow/m1 -> second/m2"), fallbacks);
    assertTrue(failedCalls.isEmpty(), "no upstream call failed");
    held.release(CallOutcome.NOT_SENT);
  }

  @Test
  void providerFault_fallsBackToTheNextDeployment_andReleasesTheFailedCallsPermit() throws Exception {
    UpstreamException down = PipelineFixture.serverError("first");
    fixture.upstream("first").fails(down);

    Dispatcher.Dispatched dispatched = served(dispatch("fallback", RequestTrace.untraced()));

    assertEquals("second/m2", dispatched.deployment().label());
    assertEquals(1, fixture.upstream("first").calls().size());
    assertEquals(1, fixture.upstream("second").calls().size());
    assertEquals(List.of(down), failedCalls, "the failed call was reported once, for the usage ledger");
    assertEquals(0, fixture.inFlight("first"), "the failed call's permit was released");
    assertEquals(0, fixture.inFlight("second"));
  }

  @Test
  void requestsOwnFault_isNeitherRetriedNorSentToTheFallback() throws Exception {
    UpstreamException rejected = PipelineFixture.badRequest("patient");
    fixture.upstream("patient").fails(rejected);

    // A retry would wait for time that never passes here, and the request would not fail.
    Throwable failure = failure(dispatch("strict", RequestTrace.untraced()));

    assertSame(rejected, failure, "the upstream's own 400 reaches the caller");
    assertEquals(1, fixture.upstream("patient").calls().size(), "not retried, though the provider retries");
    assertEquals(0, fixture.upstream("second").calls().size(), "not sent to the fallback");
    assertTrue(fallbacks.isEmpty());
  }

  @Test
  void retryableFailures_areRetriedUpToMaxAttempts_eachAfterItsBackoff() throws Exception {
    ScriptedUpstream patient = fixture.upstream("patient");
    UpstreamException last = PipelineFixture.serverError("patient");
    patient.fails(PipelineFixture.serverError("patient")).fails(PipelineFixture.serverError("patient")).fails(last);

    CompletionStage<Dispatcher.Dispatched> dispatch = dispatch("retried", RequestTrace.untraced());
    advanceUntil(patient, 3, Duration.ofSeconds(10));
    Throwable failure = failure(dispatch);

    assertSame(last, failure, "the last attempt's error, once attempts are exhausted");
    List<ScriptedUpstream.Sent> calls = patient.calls();
    assertEquals(3, calls.size(), "max-attempts = 3, the first included");
    long firstWait = calls.get(1).atMillis() - calls.get(0).atMillis();
    long secondWait = calls.get(2).atMillis() - calls.get(1).atMillis();
    assertTrue(firstWait >= 1000, "the first retry waits base-delay, waited " + firstWait + " ms");
    assertTrue(secondWait >= 2000, "the second waits twice that, waited " + secondWait + " ms");
    assertEquals(0, fixture.inFlight("patient"), "every attempt's permit was released");
  }

  @Test
  void aRetryWhoseBackoffWouldOutlastTheRequestsDeadline_isNotMade_theFallbackIsTriedAtOnce() throws Exception {
    ScriptedUpstream hurried = fixture.upstream("hurried");
    hurried.fails(PipelineFixture.serverError("hurried")).fails(PipelineFixture.serverError("hurried"))
        .fails(PipelineFixture.serverError("hurried"));

    // The first retry waits 1 s of the 1.5 s deadline; the second would wait 2 s, past it.
    CompletionStage<Dispatcher.Dispatched> dispatch = dispatch("hurried", RequestTrace.untraced());
    advanceUntil(hurried, 3, Duration.ofSeconds(5));
    Dispatcher.Dispatched dispatched = served(dispatch);

    assertEquals(2, hurried.calls().size(), "the third attempt did not fit in the deadline");
    assertEquals("second/m2", dispatched.deployment().label(), "the fallback starts at once, within the deadline");
    assertEquals(0, fixture.inFlight("hurried"));
  }

  @Test
  void aCallStillRunningAtTheDeadline_isCut_andItsPermitReleased() throws Exception {
    fixture.upstream("hurried").then(call -> new CompletableFuture<>()); // never answers

    CompletionStage<Dispatcher.Dispatched> dispatch = dispatch("hurried", RequestTrace.untraced());
    fixture.upstream("hurried").awaitCalls(1, Duration.ofSeconds(5));
    manualTime.timePasses(Duration.ofMillis(1600));
    Throwable failure = failure(dispatch);

    UpstreamException timeout = assertInstanceOf(UpstreamException.class, failure);
    assertEquals(UpstreamException.Kind.TIMEOUT, timeout.kind());
    assertTrue(timeout.getMessage().contains("timeouts.total"), timeout.getMessage());
    assertEquals(1, fixture.upstream("hurried").calls().size());
    assertEquals(0, fixture.upstream("second").calls().size());
    assertEquals(0, fixture.inFlight("hurried"), "the cut call's permit was released");
  }

  @Test
  void aLaterDispatchOfTheSameRequest_sharesItsDeadline() throws Exception {
    fixture.upstream("hurried").then(call -> new CompletableFuture<>());
    RequestTrace trace = new RequestTrace("req-routed");
    CompletionStage<Dispatcher.Dispatched> first = dispatch("hurried", trace);
    fixture.upstream("hurried").awaitCalls(1, Duration.ofSeconds(5));
    manualTime.timePasses(Duration.ofMillis(1600));
    assertInstanceOf(UpstreamException.class, failure(first));

    // An auto route falling back to another model dispatches again, with the same trace.
    Throwable failure = failure(dispatch("fallback", trace));

    assertEquals(UpstreamException.Kind.TIMEOUT, assertInstanceOf(UpstreamException.class, failure).kind());
    assertEquals(0, fixture.upstream("first").calls().size(), "nothing is started past the request's deadline");
  }

  @Test
  void aClientThatLeaves_endsItsCall_withNoRetryAndNoFallback() throws Exception {
    fixture.upstream("hurried").then(call -> new CompletableFuture<>());
    CompletableFuture<Void> gone = new CompletableFuture<>();

    CompletionStage<Dispatcher.Dispatched> dispatch = dispatch("hurried", new RequestTrace("req-gone", gone));
    fixture.upstream("hurried").awaitCalls(1, Duration.ofSeconds(5));
    gone.complete(null);
    Throwable failure = failure(dispatch);

    assertInstanceOf(ClientGoneException.class, failure);
    assertEquals(1, fixture.upstream("hurried").calls().size());
    assertEquals(0, fixture.upstream("second").calls().size());
    assertEquals(0, fixture.inFlight("hurried"), "the permit was released");
  }

  @Test
  void deploymentWhoseContextWindowIsTooSmall_isSkippedWithoutACall() throws Exception {
    Dispatcher.Dispatched dispatched = served(dispatch("windows", RequestTrace.untraced()));

    assertEquals("second/large", dispatched.deployment().label());
    assertEquals(0, fixture.upstream("first").calls().size());
    assertEquals(0, fixture.inFlight("first"), "no admission taken at the skipped deployment");
  }

  @Test
  void promptFittingNoContextWindow_failsWithContextTooLong_withoutAnUpstreamCall() throws Exception {
    Throwable failure = failure(dispatch("cramped", RequestTrace.untraced()));

    Dispatcher.ContextTooLongException tooLong = assertInstanceOf(Dispatcher.ContextTooLongException.class, failure);
    assertEquals("second/small", tooLong.deployment().label(), "the last deployment tried is named");
    assertEquals(0, fixture.upstreamCalls());
  }

  @Test
  void upstreamTime_isSummedOverEveryCallOfTheRequest() throws Exception {
    long[] firstCall = new long[2];
    long[] secondCall = new long[2];
    fixture.upstream("first").then(call -> afterRealDelay(firstCall, CompletableFuture.failedFuture(
        PipelineFixture.serverError("first"))));
    fixture.upstream("second").then(call -> afterRealDelay(secondCall, CompletableFuture.completedFuture(
        new UpstreamReply.Complete(PipelineFixture.completion("Paris", 20, 1)))));
    RequestTrace trace = new RequestTrace("req-7");

    served(dispatch("fallback", trace));

    long bothCalls = (firstCall[1] - firstCall[0]) + (secondCall[1] - secondCall[0]);
    assertTrue(trace.upstreamNanos() >= bothCalls,
        "summed " + trace.upstreamNanos() + " ns, the two calls took at least " + bothCalls + " ns");
  }

  /**
   * {@code outcome} after 50 ms of real time (the dispatcher measures upstream time with
   * {@link System#nanoTime}); {@code span} gets when the call began and when it answered.
   */
  private static CompletionStage<UpstreamReply> afterRealDelay(long[] span, CompletableFuture<UpstreamReply> outcome) {
    span[0] = System.nanoTime();
    return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS))
        .thenCompose(ignored -> {
          span[1] = System.nanoTime();
          return outcome;
        });
  }
}
