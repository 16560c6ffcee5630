package io.switchboard.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.provider.anthropic.FakeAnthropic;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link StreamJoin} alone: what a continuation's events become once joined to the stream the client
 * already has, and when an answer so far cannot be continued from a text prefix.
 */
@Tag("unit")
class StreamJoinTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ByteString chunk(String id, String delta, String finish) {
    return ByteString.fromString("data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":"
        + (id.equals("first") ? 1 : 2) + ",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":" + delta
        + ",\"finish_reason\":" + (finish == null ? "null" : "\"" + finish + "\"") + "}]}\n\n");
  }

  private static List<ByteString> pass(StreamJoin join, boolean continuation, ByteString... events) throws Exception {
    List<ByteString> out = new ArrayList<>();
    for (ByteString event : events) out.addAll(join.pass(event, continuation));
    return out;
  }

  private static JsonNode data(ByteString event) throws Exception {
    String text = event.utf8String();
    return JSON.readTree(text.substring(text.indexOf("data: ") + 6));
  }

  @Test
  void openAi_twoBreaks_joinIntoOneStream_whoseLastChunkNamesBoth() throws Exception {
    StreamJoin join = new StreamJoin(Dialect.OPENAI, false);
    pass(join, false, chunk("first", "{\"role\":\"assistant\",\"content\":\"\"}", null),
        chunk("first", "{\"content\":\"Hel\"}", null));
    join.continuing("a/m", "b/m", "upstream_reset", 3);
    List<ByteString> second = pass(join, true, chunk("second", "{\"role\":\"assistant\",\"content\":\"\"}", null),
        chunk("second", "{\"content\":\"lo\"}", null));
    join.continuing("b/m", "c/m", "upstream_stall_timeout", 5);
    List<ByteString> third = pass(join, true, chunk("third", "{\"role\":\"assistant\"}", null),
        chunk("third", "{\"content\":\"!\"}", null), chunk("third", "{}", "stop"),
        ByteString.fromString("data: [DONE]\n\n"));

    assertEquals("Hello!", join.text());
    assertEquals(1, second.size(), "the role chunk dropped");
    assertEquals("first", data(second.get(0)).path("id").asText());
    assertEquals(1, data(second.get(0)).path("created").asInt());
    assertEquals(3, third.size(), third.toString());
    JsonNode failover = data(third.get(1)).path("switchboard").path("failover");
    assertEquals(2, failover.size());
    assertEquals("b/m", failover.get(0).path("to").asText());
    assertEquals("upstream_stall_timeout", failover.get(1).path("reason").asText());
    assertEquals(5, failover.get(1).path("at_chars").asInt());
    assertTrue(join.whole());
    assertFalse(join.continuable(), "a finished answer is not continued");
  }

  @Test
  void openAi_anAnswerWithAToolCall_isNotContinued() throws Exception {
    StreamJoin join = new StreamJoin(Dialect.OPENAI, false);
    pass(join, false, chunk("first", "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
        + "\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}", null));

    assertFalse(join.continuable());
  }

  @Test
  void openAi_theUpstreamsErrorEventBeforeTheFinish_isABreak() {
    StreamJoin join = new StreamJoin(Dialect.OPENAI, false);

    assertThrows(StreamJoin.ErrorEvent.class, () -> join.pass(
        ByteString.fromString("data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n"), false));
  }

  @Test
  void anthropic_aBreakAfterAClosedBlock_continuesWithTheNextIndex() throws Exception {
    StreamJoin join = new StreamJoin(Dialect.ANTHROPIC, false);
    List<String> first = FakeAnthropic.textEvents("m");
    // message_start, block 0 start, ping, three deltas, block 0 stop: then the break
    for (String event : first.subList(0, 7)) join.pass(ByteString.fromString(event), false);
    join.continuing("a/m", "b/m", "upstream_reset", join.text().length());

    List<ByteString> out = new ArrayList<>();
    for (String event : FakeAnthropic.textStream("m", "msg_2", " More.")) {
      out.addAll(join.pass(ByteString.fromString(event), true));
    }

    assertEquals(FakeAnthropic.TEXT + " More.", join.text());
    assertTrue(out.get(0).utf8String().startsWith("event: content_block_start"), "message_start dropped: " + out);
    assertEquals(1, data(out.get(0)).path("index").asInt(), "a new block, after the closed one");
    assertEquals(1, data(out.get(1)).path("index").asInt());
    assertEquals(1, data(out.get(2)).path("index").asInt());
    JsonNode delta = data(out.get(3));
    assertEquals("message_delta", delta.path("type").asText());
    assertEquals("a/m", delta.path("switchboard").path("failover").get(0).path("from").asText());
    assertEquals(FakeAnthropic.INPUT_TOKENS, delta.path("usage").path("input_tokens").asInt(),
        "the continuation's own prompt, from its dropped message_start");
    assertTrue(out.get(4).utf8String().startsWith("event: message_stop"));
  }

  @Test
  void anthropic_aToolUseBlock_isNotContinued() throws Exception {
    StreamJoin join = new StreamJoin(Dialect.ANTHROPIC, false);
    join.pass(ByteString.fromString(FakeAnthropic.event("content_block_start", "{\"type\":\"content_block_start\","
        + "\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}}")), false);

    assertFalse(join.continuable());
  }
}
