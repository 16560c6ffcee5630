package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The strict reading of one server-sent event that every upstream stream's check starts from. */
@Tag("unit")
class SseFrameTest {

  private static SseFrame parse(String frame) {
    return SseFrame.parse(ByteBuffer.wrap(frame.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void namedEvent_givesItsNameAndData() {
    SseFrame frame = parse("event: message_delta\ndata: {\"type\":\"message_delta\"}");

    assertEquals("message_delta", frame.event());
    assertEquals("{\"type\":\"message_delta\"}", frame.data());
  }

  @Test
  void severalDataLines_areJoinedByNewlines_andCrlfIsAccepted() {
    SseFrame frame = parse("data: {\"a\":\r\ndata:1}\r\nid: 7\r\nretry: 100");

    assertNull(frame.event());
    assertEquals("{\"a\":\n1}", frame.data());
  }

  @Test
  void commentsOnly_isAKeepAlive() {
    assertTrue(parse(": OPENROUTER PROCESSING").isComment());
    assertTrue(parse(":\n: ping").isComment());
  }

  @Test
  void aLineThatIsNoField_isRefused() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> parse("data: {}\n<html>502 Bad Gateway</html>"));
    assertTrue(refused.getMessage().contains("no server-sent event field"), refused.getMessage());
    assertThrows(IllegalArgumentException.class, () -> parse("garbage"));
  }

  @Test
  void bytesThatAreNotUtf8_areRefused() {
    byte[] binary = {'d', 'a', 't', 'a', ':', ' ', (byte) 0xff, (byte) 0xfe, 0x00};

    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> SseFrame.parse(ByteBuffer.wrap(binary)));
    assertTrue(refused.getMessage().contains("UTF-8"), refused.getMessage());
  }
}
