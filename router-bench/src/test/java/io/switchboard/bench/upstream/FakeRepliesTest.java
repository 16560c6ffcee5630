package io.switchboard.bench.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class FakeRepliesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final FakeReplies replies = new FakeReplies("bench-model", 1_700_000_000L);

  @Test
  void aCompletionIsAChatCompletionObjectWithUsage() throws Exception {
    JsonNode json = MAPPER.readTree(replies.completion("chatcmpl-1", 3));
    assertEquals("chat.completion", json.get("object").asText());
    assertEquals("bench-model", json.get("model").asText());
    assertEquals("tok tok tok", json.at("/choices/0/message/content").asText());
    assertEquals("stop", json.at("/choices/0/finish_reason").asText());
    assertEquals(3, json.at("/usage/completion_tokens").asInt());
  }

  @Test
  void aStreamIsFramedAsServerSentEventsEndingInDone() throws Exception {
    List<byte[]> events = replies.stream("chatcmpl-2", 3);
    assertEquals(4, events.size());
    for (byte[] event : events) {
      String text = new String(event, StandardCharsets.UTF_8);
      assertTrue(text.startsWith("data: ") && text.endsWith("\n\n"), text);
    }
    JsonNode first = chunk(events.get(0));
    assertEquals("chat.completion.chunk", first.get("object").asText());
    assertEquals("assistant", first.at("/choices/0/delta/role").asText());
    assertTrue(first.at("/choices/0/finish_reason").isNull());
    assertEquals("stop", chunk(events.get(2)).at("/choices/0/finish_reason").asText());
    assertEquals(FakeReplies.DONE_EVENT, new String(events.get(3), StandardCharsets.UTF_8));
  }

  private static JsonNode chunk(byte[] event) throws Exception {
    String text = new String(event, StandardCharsets.UTF_8);
    return MAPPER.readTree(text.substring("data: ".length()).strip());
  }

  @Test
  void aRequestMayOverrideTheShapeInItsBody() throws Exception {
    ReplyShape defaults = new ReplyShape(false, 16, Duration.ZERO, Duration.ZERO);
    ReplyShape asked = ReplyShape.of(MAPPER.readTree(
        "{\"stream\":true,\"bench_chunks\":40,\"bench_interval_ms\":1000,\"bench_first_ms\":5}"), defaults);
    assertEquals(new ReplyShape(true, 40, Duration.ofSeconds(1), Duration.ofMillis(5)), asked);
    assertEquals(defaults, ReplyShape.of(MAPPER.readTree("{\"model\":\"x\"}"), defaults));
  }

  @Test
  void plainBodiesAreReadWithoutParsing() throws Exception {
    ReplyShape defaults = new ReplyShape(false, 16, Duration.ZERO, Duration.ZERO);
    assertTrue(ReplyShape.of(bytes("{\"model\":\"m\",\"stream\" : true}"), MAPPER, defaults).stream());
    assertEquals(defaults, ReplyShape.of(bytes("{\"model\":\"m\",\"stream\":false}"), MAPPER, defaults));
    assertEquals(7, ReplyShape.of(bytes("{\"stream\":true,\"bench_chunks\":7}"), MAPPER, defaults).chunks());
    assertThrows(java.io.IOException.class, () -> ReplyShape.of(bytes("{\"bench_chunks\":"), MAPPER, defaults));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aShapeNeedsAtLeastOneChunkAndNoNegativeDelay() {
    assertThrows(IllegalArgumentException.class, () -> new ReplyShape(true, 0, Duration.ZERO, Duration.ZERO));
    assertThrows(IllegalArgumentException.class,
        () -> new ReplyShape(true, 1, Duration.ofMillis(-1), Duration.ZERO));
    assertThrows(IllegalArgumentException.class,
        () -> new ReplyShape(true, 1, Duration.ZERO, Duration.ofMillis(-1)));
  }
}
