package io.switchboard.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.switchboard.api.openai.OpenAiJson;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link StreamTally}: the text a stream's chunks carry, for the token count of a stream without usage,
 * read from the bytes of each event as the client gets it.
 */
@Tag("unit")
class StreamTallyTest {
  private final StreamTally tally = new StreamTally(OpenAiJson.newMapper());

  /** An event as it reaches the metering: the frame, then its blank line. */
  private static ByteString event(String data) {
    return ByteString.fromString("data: " + data).concat(ByteString.fromString("\n\n"));
  }

  private void observe(String data) {
    ByteString event = event(data);
    assertSame(event, tally.observe(event), "the event passes unchanged");
  }

  @Test
  void chatChunks_contentRefusalAndToolArguments_areTallied_inOrder() {
    observe("{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
        + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}");
    observe("{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},"
        + "\"logprobs\":{\"content\":[{\"token\":\"Hello\",\"logprob\":-0.1}]},\"finish_reason\":null}],\"usage\":null}");
    observe("{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\", world\"}}]}");
    observe("{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"refusal\":\" no.\"}}]}");
    observe("{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"t\","
        + "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":\"}},"
        + "{\"index\":1,\"function\":{\"arguments\":\"1}\"}}]}}]}");
    observe("{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");

    assertEquals("Hello, world no.{\"a\":1}", tally.text());
  }

  @Test
  void aLegacyCompletionsText_isTallied() {
    observe("{\"id\":\"x\",\"object\":\"text_completion\",\"choices\":[{\"text\":\"Once\",\"index\":0}]}");
    observe("{\"id\":\"x\",\"object\":\"text_completion\",\"choices\":[{\"text\":\" upon\",\"index\":0}]}");
    assertEquals("Once upon", tally.text());
  }

  @Test
  void once_aChunkCarriesUsage_nothingMoreIsTallied() {
    observe("{\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":null}");
    observe("{\"choices\":[{\"delta\":{\"content\":\"b\"}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}");
    observe("{\"choices\":[{\"delta\":{\"content\":\"c\"}}]}");
    assertEquals("a", tally.text());
  }

  @Test
  void whatIsNotAChunk_isPassedOnAndNotTallied() {
    ByteString done = ByteString.fromString("data: [DONE]\n\n");
    ByteString anthropic = ByteString.fromString("event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n");
    ByteString comment = ByteString.fromString(": keep-alive\n\n");
    assertSame(done, tally.observe(done));
    assertSame(anthropic, tally.observe(anthropic));
    assertSame(comment, tally.observe(comment));
    observe("{\"choices\":[{\"delta\":{\"content\":\"not closed\"");
    observe("{\"choices\":[null,{\"delta\":{\"content\":\"kept\"}}],\"content\":\"top-level\"}");
    assertEquals("kept", tally.text(), "a broken chunk counts nothing; only the choices' text counts");
  }
}
