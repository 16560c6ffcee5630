package io.switchboard.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonFactory;
import io.switchboard.provider.StreamFault;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.anthropic.StreamEventCheck.Verdict;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What each event of an Anthropic stream is, and which events end the stream as malformed. */
@Tag("unit")
class StreamEventCheckTest {
  private final StreamEventCheck check = new StreamEventCheck(new JsonFactory(), "claude");

  private Verdict check(String frame) {
    return check.check(ByteString.fromString(frame));
  }

  @Test
  void documentedEvents_areKnown_andTheStopReasonAndStopAreNoted() {
    for (String event : FakeAnthropic.toolUseEvents("claude-sonnet-4-5")) {
      String frame = event.substring(0, event.length() - 2);
      Verdict expected = frame.startsWith("event: message_stop") ? Verdict.STOP
          : frame.startsWith("event: message_delta") ? Verdict.STOP_REASON : Verdict.EVENT;
      assertEquals(expected, check(frame), frame);
    }
    assertEquals(Verdict.EVENT, check("event: ping\ndata: {\"type\": \"ping\"}"));
    assertEquals(Verdict.COMMENT, check(": keep-alive"));
    assertEquals(Verdict.ERROR, check("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}"));
  }

  @Test
  void messageDeltaWithoutAStopReason_isAnOrdinaryEvent() {
    assertEquals(Verdict.EVENT, check("event: message_delta\ndata: {\"type\":\"message_delta\","
        + "\"delta\":{\"stop_reason\":null},\"usage\":{\"output_tokens\":3}}"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "event: content_block_delta\ndata: <html>502</html>",
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\"",
      "event: content_block_delta\ndata: {\"type\":\"message_stop\"}",
      "event: thinking_progress\ndata: {\"type\":\"thinking_progress\"}",
      "data: {\"type\":\"message_start\"}",
      "event: message_start",
      "event: ping\ndata: {\"type\":\"ping\"} {}",
      "just text"})
  void brokenEvents_areMalformed(String frame) {
    UpstreamException e = assertThrows(UpstreamException.class, () -> check(frame));

    assertEquals(StreamFault.MALFORMED_EVENT, e.streamFault().orElseThrow());
  }

  @Test
  void binaryBytes_areMalformed() {
    byte[] binary = {0x00, (byte) 0xff, (byte) 0xfe, 0x1b};
    UpstreamException e = assertThrows(UpstreamException.class, () -> check.check(ByteString.fromArray(binary)));
    assertEquals(StreamFault.MALFORMED_EVENT, e.streamFault().orElseThrow());
  }
}
