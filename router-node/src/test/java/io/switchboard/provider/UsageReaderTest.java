package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.api.openai.OpenAiJson;
import java.util.Optional;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link UsageReader#fromEvent}: the usage chunk of a stream found among its events. */
@Tag("unit")
class UsageReaderTest {
  private final UsageReader reader = new UsageReader(OpenAiJson.newMapper());

  private static ByteString event(String data) {
    return ByteString.fromString("data: " + data).concat(ByteString.fromString("\n\n"));
  }

  @Test
  void theUsageChunk_givesItsCounts_compactOrSpaced() {
    Optional<TokenUsage> compact = reader.fromEvent(event(
        "{\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7,\"total_tokens\":19}}"));
    Optional<TokenUsage> spaced = reader.fromEvent(event(
        "{\"id\": \"c\", \"choices\": [], \"usage\": {\"prompt_tokens\": 5, \"completion_tokens\": 3}}"));
    assertEquals(12, compact.orElseThrow().promptTokens());
    assertEquals(7, compact.orElseThrow().completionTokens());
    assertEquals(5, spaced.orElseThrow().promptTokens());
    assertEquals(3, spaced.orElseThrow().completionTokens());
  }

  @Test
  void everyOtherEvent_hasNone() {
    assertTrue(reader.fromEvent(event("{\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}")).isEmpty());
    assertTrue(reader.fromEvent(event("[DONE]")).isEmpty());
    assertTrue(reader.fromEvent(ByteString.fromString(": keep-alive\n\n")).isEmpty());
    assertTrue(reader.fromEvent(ByteString.fromString("event: message_delta\ndata: {\"usage\":{\"output_tokens\":4}}\n\n"))
        .isEmpty(), "not an OpenAI data event");
    assertTrue(reader.fromEvent(event("{\"usage\":{\"prompt_tokens\":")).isEmpty(), "a broken usage chunk counts nothing");
  }
}
