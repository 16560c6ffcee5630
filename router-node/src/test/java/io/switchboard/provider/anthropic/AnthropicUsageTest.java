package io.switchboard.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.provider.TokenUsage;
import java.util.Optional;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The counts that settle admission when an Anthropic answer passes through untranslated. */
@Tag("unit")
class AnthropicUsageTest {
  private final AnthropicUsage usage = new AnthropicUsage(new ObjectMapper());

  @Test
  void message_reportsItsInputAndOutputTokens() {
    assertEquals(Optional.of(new TokenUsage(FakeAnthropic.INPUT_TOKENS, FakeAnthropic.OUTPUT_TOKENS)),
        usage.fromMessage(ByteString.fromString(FakeAnthropic.textMessage("claude"))));
    assertTrue(usage.fromMessage(ByteString.fromString("{\"type\":\"message\"}")).isEmpty());
    assertTrue(usage.fromMessage(ByteString.fromString("not json")).isEmpty());
  }

  @Test
  void stream_takesInputFromMessageStart_andTheLastOutputFromMessageDelta() {
    TokenUsage counts = null;
    for (String event : FakeAnthropic.textEvents("claude")) {
      // the events as the gateway frames them: without their blank line
      counts = usage.fold(counts, ByteString.fromString(event.strip()));
    }
    assertEquals(new TokenUsage(FakeAnthropic.INPUT_TOKENS, FakeAnthropic.OUTPUT_TOKENS), counts);
  }

  @Test
  void cachedPromptTokens_countAsPromptTokens() {
    String start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":5,"
        + "\"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":1000,\"output_tokens\":1}}}";

    assertEquals(new TokenUsage(1105, 1), usage.fold(null, ByteString.fromString(start)));
  }

  @Test
  void eventsWithoutUsage_changeNothing() {
    assertNull(usage.fold(null, ByteString.fromString("event: ping\ndata: {\"type\": \"ping\"}")));
    TokenUsage soFar = new TokenUsage(3, 4);
    assertEquals(soFar, usage.fold(soFar, ByteString.fromString("event: content_block_stop\ndata: {\"index\":0}")));
  }
}
