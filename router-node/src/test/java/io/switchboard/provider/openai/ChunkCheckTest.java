package io.switchboard.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonFactory;
import io.switchboard.provider.StreamFault;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.openai.ChunkCheck.Verdict;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What each event of an OpenAI stream is, and which events end the stream as malformed. */
@Tag("unit")
class ChunkCheckTest {
  private final ChunkCheck check = new ChunkCheck(new JsonFactory(), "upstream");

  private Verdict check(String frame) {
    return check.check(ByteString.fromString(frame));
  }

  @Test
  void documentedChunks_areChunks_andTheFinishIsNoted() {
    for (String event : FakeOpenAi.chunks("gpt-4o-mini", true)) {
      String frame = event.substring(0, event.length() - 2);
      Verdict expected = frame.equals("data: [DONE]") ? Verdict.DONE
          : frame.contains("\"finish_reason\":\"stop\"") ? Verdict.FINISH : Verdict.CHUNK;
      assertEquals(expected, check(frame), frame);
    }
  }

  @Test
  void legacyTextCompletionChunks_areChunksToo() {
    for (String event : FakeOpenAi.textChunks("gpt-3.5-turbo-instruct", false)) {
      String frame = event.substring(0, event.length() - 2);
      Verdict expected = frame.equals("data: [DONE]") ? Verdict.DONE
          : frame.contains("\"finish_reason\":\"length\"") ? Verdict.FINISH : Verdict.CHUNK;
      assertEquals(expected, check(frame), frame);
    }
  }

  @Test
  void errorEventsCommentsAndOddSpacing_areKnown() {
    assertEquals(Verdict.ERROR, check("data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));
    assertEquals(Verdict.COMMENT, check(": keep-alive"));
    assertEquals(Verdict.CHUNK, check("data:{\"choices\":[{\"index\":0,\"finish_reason\":null}]}"));
    assertEquals(Verdict.FINISH, check("data: {\"choices\":\n"
        .replace("\n", "") + "[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}"));
    assertEquals(Verdict.DONE, check("data:[DONE]"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "data: <html>502 Bad Gateway</html>",
      "data: {\"choices\":[{\"index\":0,",
      "data: {\"choices\":[]} trailing",
      "data: {\"object\":\"thread.run\"}",
      "data: [\"choices\"]",
      "event: thread.run.created\ndata: {\"choices\":[]}",
      "id: 1\nbogus line",
      "Hello there"})
  void brokenEvents_areMalformed_andTheErrorQuotesNoneOfThem(String frame) {
    UpstreamException e = assertThrows(UpstreamException.class, () -> check(frame));

    assertEquals(StreamFault.MALFORMED_EVENT, e.streamFault().orElseThrow());
    assertEquals(UpstreamException.Kind.MALFORMED_RESPONSE, e.kind());
    assertFalse(e.getMessage().contains("Bad Gateway") || e.getMessage().contains("thread.run"), e.getMessage());
  }

  @Test
  void binaryBytes_areMalformed() {
    byte[] binary = {0x00, (byte) 0xff, (byte) 0xfe, 0x1b};
    assertThrows(UpstreamException.class, () -> check.check(ByteString.fromArray(binary)));
    byte[] inData = {'d', 'a', 't', 'a', ':', ' ', '{', '"', (byte) 0xff, '"', ':', '1', '}'};
    assertThrows(UpstreamException.class, () -> check.check(ByteString.fromArray(inData)));
  }
}
