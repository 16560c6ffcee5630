package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.switchboard.ManualClock;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.config.ProviderSettings;
import io.switchboard.persistence.InMemoryStateStore;
import io.switchboard.provider.ProviderActor.Acquire;
import io.switchboard.provider.ProviderActor.AdmissionResult;
import io.switchboard.provider.ProviderActor.Granted;
import io.switchboard.provider.ProviderActor.Release;
import io.switchboard.provider.openai.FakeOpenAi;
import io.switchboard.provider.openai.OpenAiUpstream;
import io.switchboard.routing.Dispatcher;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How long an upstream's 429 pauses its provider, from the headers a fake OpenAI really sends to the
 * provider's admission: the pause is the Retry-After, never a bucket's reset time, and never longer
 * than {@code limits.max-pause}. The upstream is called over HTTP from a real-time actor system; the
 * provider's actor runs on ManualTime with a manual clock, so its pause is measured without waiting.
 */
@Tag("integration")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamPauseTest {
  private static final String MODEL = "gpt-4o";
  private static final ObjectMapper MAPPER = OpenAiJson.newMapper();

  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder()
      .withCustomConfig(ManualTime.config().withFallback(ConfigFactory.load())).build();

  /** The HTTP client's own system, on real time: ManualTime would stop its connection pool's timers. */
  private final ActorTestKit client = ActorTestKit.create("upstream-client");
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));
  private ManualTime manualTime;

  @BeforeAll
  void manualTime() {
    manualTime = ManualTime.get(testKit.system());
  }

  @AfterAll
  void stopClient() {
    client.shutdownTestKit();
  }

  private ProviderSettings settings(String hocon) {
    return io.switchboard.config.SwitchboardSettings.from(ConfigFactory.parseString("switchboard.providers.p {"
            + " kind = openai\nopenai.base-url = \"" + upstream.baseUrl() + "\"\nretries.max-attempts = 1\n" + hocon
            + "\n}").withFallback(ConfigFactory.load()).resolve(), k -> null)
        .providers().get("p");
  }

  private void advance(Duration by) {
    clock.advance(by);
    manualTime.timePasses(by);
  }

  private TestProbe<AdmissionResult> acquire(ActorRef<ProviderActor.Command> actor) {
    TestProbe<AdmissionResult> probe = testKit.createTestProbe();
    actor.tell(new Acquire(MODEL, 10, clock.millis() + Duration.ofMinutes(30).toMillis(), false, probe.getRef()));
    return probe;
  }

  private ProviderActor.Status status(ActorRef<ProviderActor.Command> actor) {
    TestProbe<ProviderActor.Status> probe = testKit.createTestProbe();
    actor.tell(new ProviderActor.GetStatus(probe.getRef()));
    return probe.expectMessageClass(ProviderActor.Status.class);
  }

  /** One call through the real OpenAI client to the fake, its failure handed back as the dispatcher does. */
  private void callAndRelease(ProviderSettings settings, ActorRef<ProviderActor.Command> actor) throws Exception {
    long permit = acquire(actor).expectMessageClass(Granted.class).permitId();
    String json = "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    ChatCompletionRequest request = MAPPER.readValue(json, ChatCompletionRequest.class);
    OpenAiUpstream openAi = new OpenAiUpstream(client.system(), settings, MAPPER, clock);
    Throwable failure;
    try {
      openAi.send(new UpstreamCall(request, ByteString.fromString(json), MODEL, 4096)).toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      throw new AssertionError("the fake answered 429, the call should have failed");
    } catch (java.util.concurrent.ExecutionException e) {
      failure = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
    }
    assertInstanceOf(UpstreamException.class, failure);
    actor.tell(new Release(permit, Dispatcher.failed(failure)));
    status(actor); // the release is handled before time moves on
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void upstream429WithRetryAfterAndATokenReset_pausesForTheRetryAfter_notTheReset(boolean learn) throws Exception {
    // OpenAI's 429 when its token bucket is empty: wait 2 s, the bucket is full again in six minutes.
    upstream.answer(FakeOpenAi.status(429, FakeOpenAi.envelope("Rate limit reached for tokens", "tokens"),
        RawHeader.create("Retry-After", "2"),
        RawHeader.create("x-ratelimit-remaining-tokens", "0"),
        RawHeader.create("x-ratelimit-reset-tokens", "6m0s")));
    ProviderSettings settings = settings("limits.learn-from-headers = " + learn);
    ActorRef<ProviderActor.Command> actor =
        testKit.spawn(ProviderActor.create(settings, new InMemoryStateStore<>(), clock));

    callAndRelease(settings, actor);
    TestProbe<AdmissionResult> next = acquire(actor);
    assertEquals(2_000, status(actor).pauseRemainingMillis());
    advance(Duration.ofMillis(1_999));
    next.expectNoMessage(Duration.ofMillis(20));
    advance(Duration.ofMillis(1));
    next.expectMessageClass(Granted.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Retry-After:99999999", "retry-after-ms:99999999000"})
  void retryAfterOfYears_pausesTheProviderForMaxPauseAtMost(String header) throws Exception {
    String[] nameAndValue = header.split(":");
    upstream.answer(FakeOpenAi.status(429, FakeOpenAi.envelope("Rate limit reached", "requests"),
        RawHeader.create(nameAndValue[0], nameAndValue[1])));
    ProviderSettings settings = settings("limits.max-pause = 30s");
    ActorRef<ProviderActor.Command> actor =
        testKit.spawn(ProviderActor.create(settings, new InMemoryStateStore<>(), clock));

    callAndRelease(settings, actor);
    ProviderActor.Status paused = status(actor);
    assertEquals(30_000, paused.pauseRemainingMillis());
    assertEquals(clock.millis() + 30_000, paused.pausedUntilEpochMillis());
    TestProbe<AdmissionResult> next = acquire(actor);
    advance(Duration.ofMillis(29_999));
    next.expectNoMessage(Duration.ofMillis(20));
    advance(Duration.ofMillis(1));
    next.expectMessageClass(Granted.class);
    assertTrue(status(actor).pauseRemainingMillis() == 0);
  }
}
