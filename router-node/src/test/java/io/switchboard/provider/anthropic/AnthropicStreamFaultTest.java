package io.switchboard.provider.anthropic;

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
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An Anthropic upstream's stream that goes wrong after {@code message_start}, seen by an Anthropic
 * client (passed through) and by an OpenAI client (translated): a broken event ends the stream with a
 * typed error in the caller's dialect and none of its bytes, nor anything after it, reach the client;
 * a stream that gave its stop reason ({@code message_delta}) but no {@code message_stop} is whole and
 * metered as a success; one cut before its stop reason is a reset.
 */
@Tag("integration")
class AnthropicStreamFaultTest {
  private static final String KEY = "sk-ant-test-7c1d";
  private static final String MODEL = "claude-sonnet-4-5-20250929";
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final FakeAnthropic anthropic = new FakeAnthropic(KEY);
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
        switchboard.providers.claude {
          kind = anthropic
          timeouts { connect = 2s, first-byte = 3s, total = 10s, stream-idle = 1s }
          anthropic { base-url = "%s", api-key-env = "FAKE_ANTHROPIC_KEY" }
          retries.max-attempts = 1
          breaker { consecutive-failures = 1000, minimum-calls = 1000 }
        }
        switchboard.models.claude-sonnet { provider = claude, upstream-model = "%s", max-output-tokens = 1024 }
        %s
        """.formatted(anthropic.baseUrl(), MODEL, client()), Map.of("FAKE_ANTHROPIC_KEY", KEY));
  }

  private StreamedAnswer ask(Dialect dialect) {
    return StreamedAnswer.ask(gateway, dialect, "claude-sonnet", true);
  }

  private static List<String> text() {
    return FakeAnthropic.textEvents(MODEL);
  }

  /** The events before the fault reached the client, then the error; nothing of the fault, nothing after it. */
  private static void assertEndedBy(StreamedAnswer answer, String code, String... neverSent) {
    assertEquals(200, answer.status(), answer.raw());
    assertEquals(code, answer.errorCode(), answer.raw());
    assertFalse(answer.endedWhole(), answer.raw());
    assertFalse(answer.names().contains("message_stop"), answer.raw());
    assertFalse(answer.events().stream().anyMatch(e -> e.data().equals("[DONE]")), answer.raw());
    for (String text : neverSent) assertFalse(answer.raw().contains(text), "'" + text + "' reached the client: " + answer.raw());
  }

  private void faultAfterTwoEvents(String fault) {
    faultAfterTwoEvents(ByteString.fromString(fault));
  }

  private void faultAfterTwoEvents(ByteString fault) {
    anthropic.answer(FakeAnthropic.faultBetween(text().subList(0, 2), fault, text().subList(2, text().size())));
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void nonJsonDataAfterAValidEvent_endsTheStreamAsAMalformedEvent(Dialect dialect) {
    faultAfterTwoEvents("event: content_block_delta\ndata: <html>502 Bad Gateway</html>\n\n");

    StreamedAnswer answer = ask(dialect);

    assertEndedBy(answer, "malformed_upstream_event", "Bad Gateway", "Hello!", "How can");
    assertTrue(answer.events().size() >= 2, "what came before the fault went out: " + answer.raw());
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void binaryBytesAfterAValidEvent_endTheStreamAsAMalformedEvent(Dialect dialect) {
    faultAfterTwoEvents(ByteString.fromArray(new byte[] {0x00, (byte) 0xff, (byte) 0xfe, 0x1b, (byte) 0xc3, '\n', '\n'}));

    assertEndedBy(ask(dialect), "malformed_upstream_event", "\u0000", "\ufffd", "Hello!");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void unknownEventAfterAValidEvent_endsTheStreamAsAMalformedEvent(Dialect dialect) {
    faultAfterTwoEvents("event: thinking_progress\ndata: {\"type\":\"thinking_progress\",\"secret\":\"x\"}\n\n");

    assertEndedBy(ask(dialect), "malformed_upstream_event", "thinking_progress", "Hello!");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void eventWhoseDataIsAnotherEvent_endsTheStreamAsAMalformedEvent(Dialect dialect) {
    faultAfterTwoEvents("event: content_block_delta\ndata: {\"type\":\"message_stop\"}\n\n");

    assertEndedBy(ask(dialect), "malformed_upstream_event", "Hello!");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void connectionBrokenOffMidStream_endsTheStreamAsAReset(Dialect dialect) {
    anthropic.answer(FakeAnthropic.resetAfter(text().subList(0, 4)));

    StreamedAnswer answer = ask(dialect);

    assertEndedBy(answer, "upstream_reset");
    assertTrue(answer.raw().contains("Hello!"), "what came before the reset went out: " + answer.raw());
    assertFailedCalls(1);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void upstreamSilentMidStream_endsTheStreamAsAStall(Dialect dialect) {
    anthropic.answer(FakeAnthropic.stallAfter(text().subList(0, 4)));

    StreamedAnswer answer = ask(dialect);

    assertEndedBy(answer, "upstream_stall_timeout");
    assertTrue(answer.raw().contains("stream-idle"), "the message names the setting: " + answer.raw());
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void streamCutBeforeItsStopReason_endsAsAReset(Dialect dialect) {
    anthropic.answer(FakeAnthropic.events(text().subList(0, 7))); // up to content_block_stop

    StreamedAnswer answer = ask(dialect);

    assertEndedBy(answer, "upstream_reset");
    assertFailedCalls(1);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void streamEndingAfterItsStopReasonWithoutMessageStop_isWholeWithItsUsage(Dialect dialect) {
    anthropic.answer(FakeAnthropic.events(text().subList(0, 8))); // up to message_delta

    StreamedAnswer answer = ask(dialect);

    assertEquals(200, answer.status());
    assertNull(answer.errorCode(), answer.raw());
    assertTrue(answer.endedWhole(), answer.raw());
    if (dialect == Dialect.ANTHROPIC) {
      JsonNode delta = answer.events().get(answer.events().size() - 2).json();
      assertEquals("message_delta", delta.path("type").asText(), answer.raw());
      assertEquals(FakeAnthropic.OUTPUT_TOKENS, delta.path("usage").path("output_tokens").asInt());
    } else {
      int n = answer.events().size();
      assertEquals("stop", answer.events().get(n - 3).json().path("choices").path(0).path("finish_reason").asText());
      JsonNode usage = answer.events().get(n - 2).json().path("usage");
      assertEquals(FakeAnthropic.OUTPUT_TOKENS, usage.path("completion_tokens").asInt(), answer.raw());
    }
    assertFailedCalls(0);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void connectionBrokenOffAfterTheStopReason_isStillWhole(Dialect dialect) {
    anthropic.answer(FakeAnthropic.resetAfter(text().subList(0, 8)));

    StreamedAnswer answer = ask(dialect);

    assertNull(answer.errorCode(), answer.raw());
    assertTrue(answer.endedWhole(), answer.raw());
    assertFailedCalls(0);
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
