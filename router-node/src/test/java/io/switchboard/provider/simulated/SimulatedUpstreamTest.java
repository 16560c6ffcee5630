package io.switchboard.provider.simulated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.config.ProviderSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.UpstreamCall;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamReply;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The simulated provider: deterministic text, configured latency and pace, seeded failures. */
@Tag("unit")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SimulatedUpstreamTest {
  private static final ObjectMapper MAPPER = OpenAiJson.newMapper();
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-21T10:00:00Z"), ZoneOffset.UTC);

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder()
      .withCustomConfig(ManualTime.config().withFallback(ConfigFactory.load()))
      .build();

  private SimulatedUpstream upstream(String simulated) {
    ProviderSettings settings = SwitchboardSettings.from(ConfigFactory.parseString(
            "switchboard.providers.simulated.simulated { " + simulated + " }").withFallback(ConfigFactory.load()).resolve(),
        name -> null).providers().get("simulated");
    return new SimulatedUpstream(testKit.system(), settings, MAPPER, CLOCK);
  }

  private static UpstreamCall call(String json) throws Exception {
    ChatCompletionRequest request = MAPPER.readValue(json, ChatCompletionRequest.class);
    return new UpstreamCall(request, ByteString.fromString(json), "sim-1", 4096);
  }

  private static UpstreamCall ask(String question, String extra) throws Exception {
    return call("{\"model\":\"switchboard-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]"
        + extra + "}");
  }

  private static JsonNode completion(UpstreamReply reply) throws Exception {
    return MAPPER.readTree(((UpstreamReply.Complete) reply).body().toArray());
  }

  private List<String> events(UpstreamReply reply) throws Exception {
    List<String> events = new ArrayList<>();
    ((UpstreamReply.Streaming) reply).events()
        .runWith(Sink.foreach(e -> events.add(e.utf8String())), testKit.system())
        .toCompletableFuture().get(5, TimeUnit.SECONDS);
    return events;
  }

  private static final String INSTANT = "latency = 0s, tokens-per-second = 0, default-completion-tokens = 12";

  @Test
  void sameConversation_givesTheSameAnswer_anotherConversationAnother() throws Exception {
    SimulatedUpstream upstream = upstream(INSTANT);

    JsonNode first = completion(upstream.send(ask("What is a gateway?", "")).toCompletableFuture().get());
    JsonNode again = completion(upstream.send(ask("What is a gateway?", "")).toCompletableFuture().get());
    JsonNode other = completion(upstream.send(ask("Something else entirely", "")).toCompletableFuture().get());

    String text = first.at("/choices/0/message/content").asText();
    assertTrue(text.startsWith("This is a simulated reply from Switchboard."), text);
    assertEquals(text, again.at("/choices/0/message/content").asText());
    assertNotEquals(text, other.at("/choices/0/message/content").asText());
  }

  @Test
  void responseIds_areUniqueAcrossRequestsAndAcrossRestarts() throws Exception {
    SimulatedUpstream before = upstream(INSTANT);
    SimulatedUpstream afterRestart = upstream(INSTANT);

    String first = completion(before.send(ask("hi", "")).toCompletableFuture().get()).path("id").asText();
    String second = completion(before.send(ask("hi", "")).toCompletableFuture().get()).path("id").asText();
    String restarted = completion(afterRestart.send(ask("hi", "")).toCompletableFuture().get()).path("id").asText();

    assertNotEquals(first, second);
    assertNotEquals(first, restarted, "a restarted node must not reuse ids");
  }

  @Test
  void completion_isAnOpenAiChatCompletionThatSaysItIsSimulated() throws Exception {
    JsonNode answer = completion(upstream(INSTANT).send(ask("hi", "")).toCompletableFuture().get());

    assertEquals("chat.completion", answer.path("object").asText());
    assertTrue(answer.path("id").asText().startsWith("chatcmpl-sim-"));
    assertEquals(CLOCK.instant().getEpochSecond(), answer.path("created").asLong());
    assertEquals("sim-1", answer.path("model").asText());
    assertEquals(SimulatedUpstream.FINGERPRINT, answer.path("system_fingerprint").asText());
    assertEquals("assistant", answer.at("/choices/0/message/role").asText());
    assertEquals("stop", answer.at("/choices/0/finish_reason").asText());
    JsonNode usage = answer.path("usage");
    assertEquals(12, usage.path("completion_tokens").asInt());
    assertEquals(usage.path("prompt_tokens").asInt() + 12, usage.path("total_tokens").asInt());
    assertTrue(usage.path("prompt_tokens").asInt() > 0);
  }

  @Test
  void maxTokens_cutsTheAnswerAndSaysLength() throws Exception {
    JsonNode answer = completion(upstream(INSTANT).send(ask("hi", ",\"max_tokens\":3")).toCompletableFuture().get());

    assertEquals("This is a", answer.at("/choices/0/message/content").asText());
    assertEquals("length", answer.at("/choices/0/finish_reason").asText());
    assertEquals(3, answer.at("/usage/completion_tokens").asInt());
  }

  @Test
  void stream_sendsRoleThenTokensThenFinishThenUsageThenDone() throws Exception {
    List<String> events = events(upstream(INSTANT)
        .send(ask("hi", ",\"stream\":true,\"stream_options\":{\"include_usage\":true}")).toCompletableFuture().get());

    assertEquals(1 + 12 + 1 + 1 + 1, events.size());
    events.forEach(e -> assertTrue(e.startsWith("data: ") && e.endsWith("\n\n"), e));
    JsonNode role = MAPPER.readTree(events.get(0).substring(6));
    assertEquals("assistant", role.at("/choices/0/delta/role").asText());
    StringBuilder text = new StringBuilder();
    for (String e : events.subList(1, 13)) text.append(MAPPER.readTree(e.substring(6)).at("/choices/0/delta/content").asText());
    JsonNode plain = completion(upstream(INSTANT).send(ask("hi", "")).toCompletableFuture().get());
    assertEquals(plain.at("/choices/0/message/content").asText(), text.toString(), "stream and plain agree");
    assertEquals("stop", MAPPER.readTree(events.get(13).substring(6)).at("/choices/0/finish_reason").asText());
    JsonNode usage = MAPPER.readTree(events.get(14).substring(6));
    assertEquals(0, usage.path("choices").size());
    assertEquals(12, usage.at("/usage/completion_tokens").asInt());
    assertEquals("data: [DONE]\n\n", events.get(15));
  }

  @Test
  void stream_withoutIncludeUsage_hasNoUsageChunk() throws Exception {
    List<String> events = events(upstream(INSTANT).send(ask("hi", ",\"stream\":true")).toCompletableFuture().get());

    assertEquals(1 + 12 + 1 + 1, events.size());
    assertFalse(events.stream().anyMatch(e -> e.contains("\"usage\"")));
  }

  @Test
  void latency_holdsTheAnswerBackForExactlyTheConfiguredTime() throws Exception {
    ManualTime time = ManualTime.get(testKit.system());
    // 2 s to the first token, then 4 tokens at 10 per second: the whole answer after 2.3 s.
    CompletableFuture<UpstreamReply> reply = upstream(
        "latency = 2s, tokens-per-second = 10, default-completion-tokens = 4").send(ask("hi", "")).toCompletableFuture();

    time.timePasses(Duration.ofMillis(2299));
    assertFalse(reply.isDone(), "not before latency + 3 token intervals");
    time.timePasses(Duration.ofMillis(1));
    assertEquals(4, completion(reply.get(5, TimeUnit.SECONDS)).at("/usage/completion_tokens").asInt());
  }

  @Test
  void tokenPace_followsTokensPerSecond() {
    assertEquals(Duration.ofMillis(25), upstream("tokens-per-second = 40").interval());
    assertEquals(Duration.ZERO, upstream("tokens-per-second = 0").interval());
  }

  @Test
  void errorRate_failsTheSameRequestsEveryRun_inTheConfiguredShare() throws Exception {
    String config = INSTANT + ", error-rate = 0.3, seed = 7";
    SimulatedUpstream first = upstream(config);
    SimulatedUpstream second = upstream(config);
    List<Boolean> firstRun = new ArrayList<>();
    List<Boolean> secondRun = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      firstRun.add(failed(first));
      secondRun.add(failed(second));
    }
    assertEquals(firstRun, secondRun, "a seeded run repeats exactly");
    long failures = firstRun.stream().filter(f -> f).count();
    assertTrue(failures > 40 && failures < 80, "about 30% of 200 fail, got " + failures);
  }

  @Test
  void errorRateOne_failsEveryRequestWithAServerError_zeroFailsNone() throws Exception {
    SimulatedUpstream always = upstream(INSTANT + ", error-rate = 1.0");
    SimulatedUpstream never = upstream(INSTANT + ", error-rate = 0.0");
    for (int i = 0; i < 20; i++) {
      assertTrue(failed(always));
      assertFalse(failed(never));
    }
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> always.send(ask("hi", "")).toCompletableFuture().get(5, TimeUnit.SECONDS));
    UpstreamException failure = (UpstreamException) e.getCause();
    assertEquals(UpstreamException.Kind.SERVER_ERROR, failure.kind());
    assertTrue(failure.getMessage().contains("error-rate"), failure.getMessage());
  }

  private static boolean failed(SimulatedUpstream upstream) throws Exception {
    try {
      upstream.send(ask("hi", "")).toCompletableFuture().get(5, TimeUnit.SECONDS);
      return false;
    } catch (ExecutionException e) {
      assertTrue(e.getCause() instanceof UpstreamException);
      return true;
    }
  }
}
