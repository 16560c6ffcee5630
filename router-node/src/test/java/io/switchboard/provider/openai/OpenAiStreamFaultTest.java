package io.switchboard.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.GatewayExtension;
import io.switchboard.TestGateway;
import io.switchboard.provider.StreamedAnswer;
import io.switchboard.provider.StreamedAnswer.Dialect;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An OpenAI upstream's stream that goes wrong after its first chunk, seen by an OpenAI client and by
 * an Anthropic client (the stream translated): a broken event ends the stream with a typed error in
 * the caller's dialect and none of its bytes, nor anything after it, reach the client; a stream that
 * gave its finish but forgot {@code [DONE]} is whole and metered as a success; one cut before its
 * finish is a reset.
 */
@Tag("integration")
class OpenAiStreamFaultTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  private TestGateway gateway;

  /** The upstream client's setting: none here (Netty, the default); a subclass runs all on Pekko's host pool. */
  String client() {
    return "";
  }

  @BeforeEach
  void start() {
    gateway = gateways.start("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.providers.upstream {
          kind = openai
          timeouts { connect = 2s, first-byte = 3s, total = 10s, stream-idle = 1s }
          openai { base-url = "%s", api-key-env = "FAKE_OPENAI_KEY" }
          retries.max-attempts = 1
          breaker { consecutive-failures = 1000, minimum-calls = 1000 }
        }
        switchboard.models.gpt-4o-mini { provider = upstream, upstream-model = gpt-4o-mini }
        %s
        """.formatted(upstream.baseUrl(), client()), Map.of("FAKE_OPENAI_KEY", "sk-test-4f9a1c0e"));
  }

  private StreamedAnswer ask(Dialect dialect) {
    return StreamedAnswer.ask(gateway, dialect, "gpt-4o-mini", true);
  }

  /** The first chunk reached the client, then the error; nothing of the fault, nothing after it. */
  private static void assertEndedBy(StreamedAnswer answer, String code, String... neverSent) {
    assertEquals(200, answer.status(), answer.raw());
    assertEquals(code, answer.errorCode(), answer.raw());
    assertFalse(answer.endedWhole(), answer.raw());
    assertFalse(answer.names().contains("message_stop"), answer.raw());
    assertFalse(answer.events().stream().anyMatch(e -> e.data().equals("[DONE]")), answer.raw());
    for (String text : neverSent) assertFalse(answer.raw().contains(text), "'" + text + "' reached the client: " + answer.raw());
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void nonJsonDataAfterAValidChunk_endsTheStreamAsAMalformedEvent(Dialect dialect) {
    upstream.answer(upstream.faultAfterFirstChunk(ByteString.fromString("data: <html>502 Bad Gateway</html>\n\n")));

    StreamedAnswer answer = ask(dialect);

    assertEndedBy(answer, "malformed_upstream_event", "Bad Gateway", "Hello", " there");
    assertTrue(answer.events().size() >= 2, "the valid first chunk went out before the error: " + answer.raw());
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void binaryBytesAfterAValidChunk_endTheStreamAsAMalformedEvent(Dialect dialect) {
    byte[] garbage = {0x00, (byte) 0xff, (byte) 0xfe, 0x1b, 0x7f, (byte) 0xc3, '\n', '\n'};
    upstream.answer(upstream.faultAfterFirstChunk(ByteString.fromArray(garbage)));

    StreamedAnswer answer = ask(dialect);

    assertEndedBy(answer, "malformed_upstream_event", "\u0000", "\ufffd", "Hello");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void unknownEventAfterAValidChunk_endsTheStreamAsAMalformedEvent(Dialect dialect) {
    upstream.answer(upstream.faultAfterFirstChunk(
        ByteString.fromString("event: thread.run.step\ndata: {\"object\":\"thread.run.step\",\"choices\":[]}\n\n")));

    StreamedAnswer answer = ask(dialect);

    assertEndedBy(answer, "malformed_upstream_event", "thread.run.step", "Hello");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void jsonThatIsNoChunk_endsTheStreamAsAMalformedEvent(Dialect dialect) {
    upstream.answer(upstream.faultAfterFirstChunk(ByteString.fromString("data: {\"status\":\"queued\"}\n\n")));

    assertEndedBy(ask(dialect), "malformed_upstream_event", "queued", "Hello");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void connectionBrokenOffMidStream_endsTheStreamAsAReset(Dialect dialect) {
    upstream.answer(upstream.resetAfter(2));

    StreamedAnswer answer = ask(dialect);

    assertEndedBy(answer, "upstream_reset");
    assertTrue(answer.raw().contains("Hello"), "what came before the reset went out: " + answer.raw());
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void upstreamSilentMidStream_endsTheStreamAsAStall(Dialect dialect) {
    upstream.answer(upstream.stallAfterFirstChunk());

    StreamedAnswer answer = ask(dialect);

    assertEndedBy(answer, "upstream_stall_timeout");
    assertTrue(answer.raw().contains("stream-idle"), "the message names the setting: " + answer.raw());
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void streamCutBeforeItsFinish_endsAsAReset(Dialect dialect) {
    upstream.answer(upstream.cutBeforeFinish());

    StreamedAnswer answer = ask(dialect);

    assertEndedBy(answer, "upstream_reset");
    assertTrue(answer.raw().contains("Hello"), answer.raw());
    assertFailedCalls(1);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void streamEndingAfterItsFinishWithoutDone_isWholeWithItsUsage(Dialect dialect) {
    upstream.answer(upstream.finishWithoutDone());

    StreamedAnswer answer = ask(dialect);

    assertEquals(200, answer.status());
    assertNull(answer.errorCode(), answer.raw());
    assertTrue(answer.endedWhole(), answer.raw());
    if (dialect == Dialect.OPENAI) {
      int n = answer.events().size();
      assertEquals("stop", answer.events().get(n - 3).json().path("choices").path(0).path("finish_reason").asText());
      assertEquals(3, answer.events().get(n - 2).json().path("usage").path("completion_tokens").asInt(), answer.raw());
      assertEquals("[DONE]", answer.events().get(n - 1).data());
    } else {
      JsonNode delta = answer.events().stream().filter(e -> "message_delta".equals(e.name())).findFirst().orElseThrow()
          .json();
      assertEquals("end_turn", delta.path("delta").path("stop_reason").asText());
      assertEquals(3, delta.path("usage").path("output_tokens").asInt(), answer.raw());
    }
    assertFailedCalls(0);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void connectionBrokenOffAfterTheFinish_isStillWhole(Dialect dialect) {
    upstream.answer(upstream.resetAfter(5)); // role, three pieces, finish

    StreamedAnswer answer = ask(dialect);

    assertNull(answer.errorCode(), answer.raw());
    assertTrue(answer.endedWhole(), answer.raw());
    assertFailedCalls(0);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void upstreamSilentAfterTheFinish_isStillWhole(Dialect dialect) {
    upstream.answer(upstream.stallAfterFinish());

    StreamedAnswer answer = ask(dialect);

    assertNull(answer.errorCode(), answer.raw());
    assertTrue(answer.endedWhole(), answer.raw());
    assertFailedCalls(0);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void theUpstreamsOwnErrorEvent_reachesTheClient_andTheCallCountsAsFailed(Dialect dialect) {
    upstream.answer(upstream.faultAfterFirstChunk(ByteString.fromString("data: {\"error\":{\"message\":\"The server had"
        + " an error while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n")));

    StreamedAnswer answer = ask(dialect);

    assertEquals(200, answer.status(), answer.raw());
    assertFalse(answer.endedWhole(), answer.raw());
    assertTrue(answer.raw().contains("The server had an error"), answer.raw());
    assertFailedCalls(1);
  }

  /** The provider's own record of the call: a whole stream counts as a success, a cut one as a failure. */
  private void assertFailedCalls(int failed) {
    TestProbe<Object> probe = gateways.testKit().createTestProbe();
    probe.awaitAssert(Duration.ofSeconds(5), () -> {
      JsonNode stats;
      try {
        stats = JSON.readTree(gateway.get("/admin/providers").body()).path("providers").path(0).path("statistics");
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
      assertEquals(1, stats.path("requests").asInt(), stats.toString());
      assertEquals(failed, stats.path("failed").asInt(), stats.toString());
      return null;
    });
  }
}
