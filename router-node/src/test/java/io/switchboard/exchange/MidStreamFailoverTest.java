package io.switchboard.exchange;

import static io.switchboard.keys.KeyRequests.createKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.SseEvents;
import io.switchboard.TestGateway;
import io.switchboard.provider.FakeUpstream;
import io.switchboard.provider.StreamedAnswer;
import io.switchboard.provider.anthropic.FakeAnthropic;
import io.switchboard.provider.openai.FakeOpenAi;
import io.switchboard.tokens.TokenEstimator;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code mid-stream-failover = on}: a stream that breaks after its first events reached the client is
 * continued on the model's next deployment, asked with the answer so far as the assistant's prefix, and
 * the client reads one unbroken stream with a {@code switchboard.failover} marker at its end; both calls
 * are recorded. Off (the default), or with nothing to continue on, the break ends the stream with its
 * typed error as before.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MidStreamFailoverTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ANTHROPIC_KEY = "sk-ant-test";

  @RegisterExtension static final FakeOpenAi primary = new FakeOpenAi();
  @RegisterExtension static final FakeOpenAi secondary = new FakeOpenAi();
  @RegisterExtension static final FakeAnthropic claude = new FakeAnthropic(ANTHROPIC_KEY);
  @RegisterExtension static final FakeAnthropic backup = new FakeAnthropic(ANTHROPIC_KEY);
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  @BeforeAll
  void start() {
    gateway = gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.provider-defaults {
          retries.max-attempts = 1
          breaker { consecutive-failures = 1000, minimum-calls = 1000 }
          timeouts.stream-idle = 1s
        }
        switchboard.providers.primary { kind = openai, openai.base-url = "%s" }
        switchboard.providers.secondary { kind = openai, openai.base-url = "%s" }
        switchboard.providers.claude { kind = anthropic, anthropic { base-url = "%s", api-key-env = "FAKE_KEY" } }
        switchboard.providers.backup { kind = anthropic, anthropic { base-url = "%s", api-key-env = "FAKE_KEY" } }
        switchboard.models {
          chat {
            mid-stream-failover = on
            deployments = [
              { provider = primary, upstream-model = "gpt-4o" },
              { provider = secondary, upstream-model = "gpt-4o-mini" }
            ]
          }
          chat-off {
            deployments = [
              { provider = primary, upstream-model = "gpt-4o" },
              { provider = secondary, upstream-model = "gpt-4o-mini" }
            ]
          }
          alone { mid-stream-failover = on, provider = primary, upstream-model = "gpt-4o" }
          three {
            mid-stream-failover = on
            deployments = [
              { provider = primary, upstream-model = "gpt-4o" },
              { provider = secondary, upstream-model = "gpt-4o-mini" },
              { provider = primary, upstream-model = "gpt-4o-backup" }
            ]
          }
          sonnet {
            mid-stream-failover = on
            deployments = [
              { provider = claude, upstream-model = "claude-sonnet-4-5" },
              { provider = backup, upstream-model = "claude-sonnet-4-5" }
            ]
          }
          claude-then-gpt {
            mid-stream-failover = on
            deployments = [
              { provider = claude, upstream-model = "claude-sonnet-4-5" },
              { provider = secondary, upstream-model = "gpt-4o-mini" }
            ]
          }
        }
        """.formatted(primary.baseUrl(), secondary.baseUrl(), claude.baseUrl(), backup.baseUrl()),
        Map.of("FAKE_KEY", ANTHROPIC_KEY));
  }

  /** What the second deployment streams: its own id, created and role chunk, so an unjoined stream shows. */
  private static FakeUpstream.Answer<FakeOpenAi.Received> continuation(String... pieces) {
    return FakeOpenAi.streamed("chatcmpl-second", 1800000000L, pieces);
  }

  private static FakeUpstream.Answer<FakeAnthropic.Received> anthropicContinuation(String text) {
    return FakeAnthropic.events(FakeAnthropic.textStream("claude-sonnet-4-5", "msg_second", text));
  }

  /** Anthropic's documented text stream up to its first text delta ("Hello!"), its block still open. */
  private static List<String> anthropicFirstPart() {
    return FakeAnthropic.textEvents("claude-sonnet-4-5").subList(0, 4);
  }

  // ---- OpenAI callers -------------------------------------------------------------------------

  @Test
  void aResetMidStream_isContinuedOnTheNextDeployment_asOneUnbrokenStream() throws Exception {
    primary.answer(primary.resetAfter(3)); // role, "Hello", " there", then the connection breaks
    secondary.answer(continuation("!", " Bye."));
    String keyId = key("reset");

    StreamedAnswer answer = openAi("chat", false, keyedSecret(keyId));

    assertEquals(200, answer.status(), answer.raw());
    assertNull(answer.errorCode(), answer.raw());
    OpenAiStream stream = OpenAiStream.of(answer);
    assertEquals("Hello there! Bye.", stream.text, answer.raw());
    assertEquals(1, stream.roles, "one role chunk\n" + answer.raw());
    assertEquals(Set.of("chatcmpl-fake123"), stream.ids, "the first part's id throughout");
    assertEquals(Set.of(1741569952L), stream.created, "the first part's created throughout");
    assertEquals(1, stream.dones, answer.raw());
    assertTrue(answer.raw().endsWith("data: [DONE]\n\n"), answer.raw());
    JsonNode failover = stream.marker.path("failover");
    assertEquals(1, failover.size(), answer.raw());
    assertEquals("primary/gpt-4o", failover.get(0).path("from").asText());
    assertEquals("secondary/gpt-4o-mini", failover.get(0).path("to").asText());
    assertEquals("upstream_reset", failover.get(0).path("reason").asText());
    assertEquals("Hello there".length(), failover.get(0).path("at_chars").asInt());
    assertEquals("stop", stream.markerChunk.path("choices").path(0).path("finish_reason").asText(),
        "the marker is on the finishing chunk");

    JsonNode asked = lastMessage(secondary.received().get(0).json());
    assertEquals("assistant", asked.path("role").asText(), "the answer so far, as the assistant's prefix");
    assertEquals("Hello there", asked.path("content").asText());
    assertEquals("Say hello", secondary.received().get(0).json().path("messages").get(0).path("content").asText(),
        "after the original messages");
    assertUsageRecords(keyId, Map.of("primary/gpt-4o", 1, "secondary/gpt-4o-mini", 1));
  }

  @Test
  void theContinuation_asksOnlyForWhatIsLeftOfTheClientsOutputLimit() {
    primary.answer(primary.resetAfter(3)); // "Hello", " there", then the connection breaks
    secondary.answer(continuation("!"));
    int spent = new TokenEstimator().textTokens("Hello there", "gpt-4o");

    String body = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],"
        + "\"stream\":true,\"max_tokens\":40,\"max_completion_tokens\":50}";
    StreamedAnswer answer = send(gateway.request("/v1/chat/completions"), body, null);

    assertNull(answer.errorCode(), answer.raw());
    assertEquals("Hello there!", OpenAiStream.of(answer).text, answer.raw());
    JsonNode asked = secondary.received().get(0).json();
    assertTrue(spent > 0);
    assertEquals(40 - spent, asked.path("max_tokens").asInt(), "the answer so far counts against the limit: " + asked);
    assertEquals(50 - spent, asked.path("max_completion_tokens").asInt(), asked.toString());
  }

  @Test
  void theUpstreamsOwnErrorEvent_isContinued_andNeverReachesTheClient() throws Exception {
    primary.answer(primary.faultAfterFirstChunk(ByteString.fromString("data: {\"error\":{\"message\":\"The server"
        + " had an error while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n")));
    secondary.answer(continuation("Hello", " again"));

    StreamedAnswer answer = openAi("chat", true, null);

    assertNull(answer.errorCode(), answer.raw());
    assertFalse(answer.raw().contains("server had an error"), answer.raw());
    OpenAiStream stream = OpenAiStream.of(answer);
    assertEquals("Hello again", stream.text);
    assertEquals("upstream_error_event", stream.marker.path("failover").get(0).path("reason").asText());
    assertEquals(0, stream.marker.path("failover").get(0).path("at_chars").asInt(), "nothing but the role chunk before");
    assertEquals(30, stream.markerChunk.path("usage").path("prompt_tokens").asInt(),
        "with include_usage, the marker is on the last chunk: the usage chunk");
  }

  @Test
  void aContinuationWithoutTheUsageChunkAskedFor_endsWithTheMarkerInAChunkOfItsOwn() throws Exception {
    primary.answer(primary.resetAfter(3));
    String head = "data: {\"id\":\"other\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",";
    secondary.answer(FakeOpenAi.events(
        head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
        head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"},\"finish_reason\":null}]}\n\n",
        head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        "data: [DONE]\n\n"));

    StreamedAnswer answer = openAi("chat", true, null);

    OpenAiStream stream = OpenAiStream.of(answer);
    assertEquals("Hello there!", stream.text, answer.raw());
    assertEquals(0, stream.markerChunk.path("choices").size(), "a chunk without choices, like a usage chunk");
    assertEquals("chatcmpl-fake123", stream.markerChunk.path("id").asText());
    assertEquals("gpt-4o", stream.markerChunk.path("model").asText());
    int n = answer.events().size();
    assertTrue(answer.events().get(n - 2).json().has("switchboard"), "the last chunk before [DONE]: " + answer.raw());
    assertEquals("[DONE]", answer.events().get(n - 1).data());
  }

  @Test
  void aStallAndAMalformedEvent_areContinuedToo() throws Exception {
    primary.answer(primary.stallAfterFirstChunk());
    secondary.answer(continuation("Hi"));
    OpenAiStream stalled = OpenAiStream.of(openAi("chat", false, null));
    assertEquals("upstream_stall_timeout", stalled.marker.path("failover").get(0).path("reason").asText());
    assertEquals("Hi", stalled.text);

    primary.answer(primary.faultAfterFirstChunk(ByteString.fromString("data: <html>502 Bad Gateway</html>\n\n")));
    StreamedAnswer malformed = openAi("chat", false, null);
    assertFalse(malformed.raw().contains("Bad Gateway"), malformed.raw());
    assertEquals("malformed_upstream_event",
        OpenAiStream.of(malformed).marker.path("failover").get(0).path("reason").asText());
  }

  @Test
  void aContinuationThatBreaksInTurn_isContinuedOnTheDeploymentAfterIt() throws Exception {
    primary.answer(r -> r.json().path("model").asText().equals("gpt-4o") ? primary.resetAfter(3).apply(r)
        : FakeOpenAi.streamed("chatcmpl-third", 1900000000L, "!").apply(r));
    secondary.answer(secondary.resetAfter(2)); // its role chunk and "Hello", then the connection breaks

    StreamedAnswer answer = openAi("three", false, null);

    assertNull(answer.errorCode(), answer.raw());
    OpenAiStream stream = OpenAiStream.of(answer);
    assertEquals("Hello thereHello!", stream.text, answer.raw());
    assertEquals(1, stream.roles);
    assertEquals(Set.of("chatcmpl-fake123"), stream.ids);
    JsonNode failover = stream.marker.path("failover");
    assertEquals(2, failover.size(), answer.raw());
    assertEquals("secondary/gpt-4o-mini", failover.get(0).path("to").asText());
    assertEquals("secondary/gpt-4o-mini", failover.get(1).path("from").asText());
    assertEquals("primary/gpt-4o-backup", failover.get(1).path("to").asText());
    assertEquals("Hello thereHello".length(), failover.get(1).path("at_chars").asInt());
    assertEquals("Hello thereHello", lastMessage(primary.received().get(1).json()).path("content").asText(),
        "the third call is asked with everything the client has");
  }

  @Test
  void aClientLeavingAContinuedStream_cancelsTheContinuation_andEveryPermitIsHandedBack() throws Exception {
    primary.answer(primary.resetAfter(3));
    secondary.answer(secondary.endlessStream(Duration.ofMillis(20)));

    SseEvents events = new SseEvents(gateway.postStreaming("/v1/chat/completions",
        "{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}").body());
    for (int i = 0; i < 6; i++) assertTrue(events.next().contains("chatcmpl-fake123"));
    assertEquals(0, gateway.status("primary").inFlight(), "the broken call's permit went back when it broke");
    assertEquals(1, gateway.status("secondary").inFlight());

    events.close();

    secondary.streamEnded().get(10, TimeUnit.SECONDS);
    TestProbe<Object> probe = gateways.testKit().createTestProbe();
    probe.awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(0, gateway.status("secondary").inFlight(), "the continuation's permit handed back");
      return null;
    });
  }

  @Test
  void offByDefault_theBreakEndsTheStreamWithItsTypedError() {
    primary.answer(primary.resetAfter(3));

    StreamedAnswer answer = openAi("chat-off", false, null);

    assertEquals("upstream_reset", answer.errorCode(), answer.raw());
    assertEquals(0, secondary.received().size(), "nothing continued it");
  }

  @Test
  void aContinuationThatFails_endsTheStreamWithTheBreaksTypedError() throws Exception {
    primary.answer(primary.resetAfter(3));
    secondary.answer(FakeUpstream.status(500, FakeOpenAi.envelope("boom", "server_error")));
    String keyId = key("failing");

    StreamedAnswer answer = openAi("chat", false, keyedSecret(keyId));

    assertEquals("upstream_reset", answer.errorCode(), answer.raw());
    assertEquals("Hello there", OpenAiStream.of(answer).text, "the first part went out: " + answer.raw());
    assertFalse(answer.raw().contains("switchboard"), answer.raw());
    assertEquals(1, secondary.received().size());
    assertUsageRecords(keyId, Map.of("primary/gpt-4o", 1, "secondary/gpt-4o-mini", 1));
  }

  @Test
  void withNoDeploymentLeft_theBreakEndsTheStreamWithItsTypedError() {
    primary.answer(primary.resetAfter(3));

    assertEquals("upstream_reset", openAi("alone", false, null).errorCode());
  }

  @Test
  void aStreamTranslatedFromAnthropic_isContinued_withTheAnswerSoFarAsAPrefill() throws Exception {
    claude.answer(FakeAnthropic.resetAfter(anthropicFirstPart()));
    backup.answer(anthropicContinuation(" How can I help?"));

    StreamedAnswer answer = openAi("sonnet", false, null);

    assertNull(answer.errorCode(), answer.raw());
    OpenAiStream stream = OpenAiStream.of(answer);
    assertEquals("Hello! How can I help?", stream.text, answer.raw());
    assertEquals(1, stream.roles, answer.raw());
    assertEquals(1, stream.ids.size(), answer.raw());
    assertEquals("backup/claude-sonnet-4-5", stream.marker.path("failover").get(0).path("to").asText());
    JsonNode prefill = lastMessage(backup.received().get(0).json());
    assertEquals("assistant", prefill.path("role").asText(), backup.received().get(0).body().utf8String());
    assertTrue(prefill.toString().contains("Hello!"), prefill.toString());
  }

  // ---- Anthropic callers ----------------------------------------------------------------------

  @Test
  void anAnthropicPassThroughStream_isContinued_withIndicesThatContinue() throws Exception {
    claude.answer(FakeAnthropic.resetAfter(anthropicFirstPart()));
    backup.answer(anthropicContinuation(" How can I help?"));
    String keyId = key("anthropic");

    StreamedAnswer answer = anthropic("sonnet", keyedSecret(keyId));

    assertEquals(200, answer.status(), answer.raw());
    assertNull(answer.errorCode(), answer.raw());
    assertFalse(answer.names().contains("error"), answer.raw());
    assertEquals(1, count(answer, "message_start"), answer.raw());
    assertEquals(1, count(answer, "content_block_start"), "the continuation's text goes on in the open block");
    assertEquals(1, count(answer, "message_stop"), answer.raw());
    StringBuilder text = new StringBuilder();
    for (StreamedAnswer.Event e : answer.events()) {
      if ("content_block_delta".equals(e.name())) {
        assertEquals(0, e.json().path("index").asInt(), answer.raw());
        text.append(e.json().path("delta").path("text").asText());
      }
      if ("content_block_stop".equals(e.name())) assertEquals(0, e.json().path("index").asInt());
    }
    assertEquals("Hello! How can I help?", text.toString());
    JsonNode delta = answer.events().stream().filter(e -> "message_delta".equals(e.name())).findFirst().orElseThrow()
        .json();
    JsonNode failover = delta.path("switchboard").path("failover").get(0);
    assertEquals("claude/claude-sonnet-4-5", failover.path("from").asText(), delta.toString());
    assertEquals("backup/claude-sonnet-4-5", failover.path("to").asText());
    assertEquals("upstream_reset", failover.path("reason").asText());
    assertEquals("Hello!".length(), failover.path("at_chars").asInt());

    JsonNode sent = backup.received().get(0).json();
    JsonNode prefill = lastMessage(sent);
    assertEquals("assistant", prefill.path("role").asText(), sent.toString());
    assertEquals("Hello!", prefill.path("content").asText(), "the answer so far as Anthropic's prefill");
    assertEquals("Say hello", sent.path("messages").get(0).path("content").asText());
    assertEquals(100 - new TokenEstimator().textTokens("Hello!", "claude-sonnet-4-5"), sent.path("max_tokens").asInt(),
        "what is left of the client's max_tokens after the answer so far: " + sent);
    assertTrue(sent.path("max_tokens").asInt() < 100, sent.toString());
    assertUsageRecords(keyId, Map.of("claude/claude-sonnet-4-5", 1, "backup/claude-sonnet-4-5", 1));
  }

  @Test
  void anAnthropicStreamTranslatedFromOpenAi_isContinued() {
    primary.answer(primary.resetAfter(3));
    secondary.answer(continuation("!"));

    StreamedAnswer answer = anthropic("chat", null);

    assertNull(answer.errorCode(), answer.raw());
    assertEquals(1, count(answer, "message_start"), answer.raw());
    assertEquals(1, count(answer, "message_stop"), answer.raw());
    StringBuilder text = new StringBuilder();
    answer.events().stream().filter(e -> "content_block_delta".equals(e.name()))
        .forEach(e -> text.append(e.json().path("delta").path("text").asText()));
    assertEquals("Hello there!", text.toString());
  }

  @Test
  void anAnthropicPassThroughStream_isContinuedByAnOpenAiUpstream_itsChunksTranslated() {
    claude.answer(FakeAnthropic.resetAfter(anthropicFirstPart()));
    secondary.answer(continuation(" How can", " I help?"));

    StreamedAnswer answer = anthropic("claude-then-gpt", null);

    assertNull(answer.errorCode(), answer.raw());
    assertEquals(1, count(answer, "message_start"), answer.raw());
    assertEquals(1, count(answer, "content_block_start"), answer.raw());
    assertEquals(1, count(answer, "message_stop"), answer.raw());
    StringBuilder text = new StringBuilder();
    for (StreamedAnswer.Event e : answer.events()) {
      if ("content_block_delta".equals(e.name())) {
        assertEquals(0, e.json().path("index").asInt(), answer.raw());
        text.append(e.json().path("delta").path("text").asText());
      }
    }
    assertEquals("Hello! How can I help?", text.toString());
    JsonNode delta = answer.events().stream().filter(e -> "message_delta".equals(e.name())).findFirst().orElseThrow()
        .json();
    assertEquals("end_turn", delta.path("delta").path("stop_reason").asText(), delta.toString());
    assertEquals("secondary/gpt-4o-mini", delta.path("switchboard").path("failover").get(0).path("to").asText());
    JsonNode asked = lastMessage(secondary.received().get(0).json());
    assertEquals("assistant", asked.path("role").asText());
    assertEquals("Hello!", asked.path("content").asText());
  }

  @Test
  void offByDefault_anAnthropicPassThroughBreakIsATypedErrorEvent() {
    claude.answer(FakeAnthropic.resetAfter(anthropicFirstPart()));
    // the same stream, through a model without the setting
    TestGateway off = gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.provider-defaults { retries.max-attempts = 1, breaker { consecutive-failures = 1000, minimum-calls = 1000 } }
        switchboard.providers.claude { kind = anthropic, anthropic { base-url = "%s", api-key-env = "FAKE_KEY" } }
        switchboard.providers.backup { kind = anthropic, anthropic { base-url = "%s", api-key-env = "FAKE_KEY" } }
        switchboard.models.sonnet.deployments = [
          { provider = claude, upstream-model = "claude-sonnet-4-5" },
          { provider = backup, upstream-model = "claude-sonnet-4-5" }
        ]
        """.formatted(claude.baseUrl(), backup.baseUrl()), Map.of("FAKE_KEY", ANTHROPIC_KEY));
    try (off) {
      StreamedAnswer answer = StreamedAnswer.ask(off, StreamedAnswer.Dialect.ANTHROPIC, "sonnet", false);
      assertEquals("upstream_reset", answer.errorCode(), answer.raw());
      assertEquals(0, backup.received().size());
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Keys' secrets by id, for the requests made with them. */
  private final Map<String, String> secrets = new java.util.concurrent.ConcurrentHashMap<>();

  /** A new key's id; its secret is {@link #keyedSecret}. */
  private String key(String name) {
    JsonNode created = createKey(gateway, "{\"name\":\"" + name + "\"}");
    secrets.put(created.path("id").asText(), created.path("key").asText());
    return created.path("id").asText();
  }

  private String keyedSecret(String keyId) {
    return secrets.get(keyId);
  }

  private StreamedAnswer openAi(String model, boolean includeUsage, String secret) {
    String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],"
        + "\"stream\":true" + (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "") + "}";
    return send(gateway.request("/v1/chat/completions"), body, secret);
  }

  private StreamedAnswer anthropic(String model, String secret) {
    String body = "{\"model\":\"" + model + "\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\","
        + "\"content\":\"Say hello\"}],\"stream\":true}";
    return send(gateway.request("/v1/messages").header("anthropic-version", "2023-06-01"), body, secret);
  }

  private StreamedAnswer send(HttpRequest.Builder request, String body, String secret) {
    if (secret != null) request = request.setHeader("x-api-key", secret);
    HttpResponse<String> response = gateway.send(request.header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    return StreamedAnswer.of(response.statusCode(), response.body());
  }

  private static JsonNode lastMessage(JsonNode request) {
    JsonNode messages = request.path("messages");
    return messages.get(messages.size() - 1);
  }

  private static long count(StreamedAnswer answer, String name) {
    return answer.names().stream().filter(name::equals).count();
  }

  /** The usage ledger holds one record per call, by deployment, for the key. */
  private void assertUsageRecords(String keyId, Map<String, Integer> byDeployment) {
    TestProbe<Object> probe = gateways.testKit().createTestProbe();
    probe.awaitAssert(Duration.ofSeconds(10), () -> {
      JsonNode rows;
      try {
        rows = JSON.readTree(gateway.get("/admin/usage?group_by=deployment&key_id=" + keyId).body()).path("data");
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
      Map<String, Integer> seen = new java.util.HashMap<>();
      rows.forEach(row -> seen.put(row.path("deployment").asText(), row.path("requests").asInt()));
      assertEquals(byDeployment, seen, rows.toString());
      return null;
    });
  }

  /** An OpenAI stream as a client reads it. */
  record OpenAiStream(String text, int roles, Set<String> ids, Set<Long> created, int dones, JsonNode marker,
      JsonNode markerChunk) {
    static OpenAiStream of(StreamedAnswer answer) {
      StringBuilder text = new StringBuilder();
      int roles = 0;
      int dones = 0;
      Set<String> ids = new HashSet<>();
      Set<Long> created = new HashSet<>();
      JsonNode marker = null;
      JsonNode markerChunk = null;
      for (StreamedAnswer.Event event : answer.events()) {
        if (event.data().equals("[DONE]")) {
          dones++;
          continue;
        }
        JsonNode chunk = event.json();
        ids.add(chunk.path("id").asText());
        created.add(chunk.path("created").asLong());
        if (chunk.has("switchboard")) {
          assertNull(marker, "one marker: " + answer.raw());
          marker = chunk.path("switchboard");
          markerChunk = chunk;
        }
        JsonNode delta = chunk.path("choices").path(0).path("delta");
        if (delta.has("role")) roles++;
        text.append(delta.path("content").asText(""));
      }
      return new OpenAiStream(text.toString(), roles, ids, created, dones,
          marker == null ? JSON.createObjectNode() : marker, markerChunk == null ? JSON.createObjectNode() : markerChunk);
    }
  }
}
