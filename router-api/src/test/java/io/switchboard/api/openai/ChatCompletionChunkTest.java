package io.switchboard.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ChatCompletionChunkTest {

  private static final String ROLE_CHUNK = """
      {"id": "chatcmpl-123", "object": "chat.completion.chunk", "created": 1694268190,
      "model": "gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb",
      "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
             "logprobs": null, "finish_reason": null}]}
      """;

  private static final String CONTENT_CHUNK = """
      {"id": "chatcmpl-123", "object": "chat.completion.chunk", "created": 1694268190,
      "model": "gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb",
      "choices": [{"index": 0, "delta": {"content": "Hello"},
             "logprobs": null, "finish_reason": null}]}
      """;

  private static final String STOP_CHUNK = """
      {"id": "chatcmpl-123", "object": "chat.completion.chunk", "created": 1694268190,
      "model": "gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb",
      "choices": [{"index": 0, "delta": {}, "logprobs": null, "finish_reason": "stop"}]}
      """;

  private static final String USAGE_CHUNK = """
      {"id": "chatcmpl-123", "object": "chat.completion.chunk", "created": 1694268190,
      "model": "gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb", "choices": [],
      "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21,
           "prompt_tokens_details": {"cached_tokens": 0},
           "completion_tokens_details": {"reasoning_tokens": 0}}}
      """;

  @Test
  void roleChunk_roundTripsWithNullFinishReason() throws Exception {
    ChatCompletionChunk chunk = RoundTrip.assertLossless(ROLE_CHUNK, ChatCompletionChunk.class);

    assertEquals(ChatCompletionChunk.OBJECT, chunk.object());
    assertEquals("assistant", chunk.choices().get(0).delta().role());
    assertEquals("", chunk.choices().get(0).delta().content());
    assertNull(chunk.choices().get(0).finishReason());
    assertFinishReasonWrittenAsNull(chunk);
  }

  @Test
  void contentChunk_roundTripsWithNullFinishReason() throws Exception {
    ChatCompletionChunk chunk =
        RoundTrip.assertLossless(CONTENT_CHUNK, ChatCompletionChunk.class);

    assertEquals("Hello", chunk.choices().get(0).delta().content());
    assertNull(chunk.choices().get(0).delta().role());
    assertFinishReasonWrittenAsNull(chunk);
  }

  @Test
  void stopChunk_roundTripsWithEmptyDelta() throws Exception {
    ChatCompletionChunk chunk = RoundTrip.assertLossless(STOP_CHUNK, ChatCompletionChunk.class);

    assertEquals("stop", chunk.choices().get(0).finishReason());
    assertTrue(RoundTrip.tree(chunk).get("choices").get(0).get("delta").isEmpty());
  }

  @Test
  void usageChunk_keepsAnEmptyChoicesArray() throws Exception {
    ChatCompletionChunk chunk = RoundTrip.assertLossless(USAGE_CHUNK, ChatCompletionChunk.class);

    assertTrue(chunk.choices().isEmpty());
    assertEquals(21, chunk.usage().totalTokens());
    assertTrue(chunk.usage().extra().containsKey("prompt_tokens_details"));
    JsonNode choices = RoundTrip.tree(chunk).get("choices");
    assertTrue(choices.isArray());
    assertTrue(choices.isEmpty());
  }

  @Test
  void chunksBuiltInCode_writeFinishReasonNullAndEmptyChoices() throws Exception {
    ChatCompletionChunk content = new ChatCompletionChunk("chatcmpl-9",
        ChatCompletionChunk.OBJECT, 1700000000L, "m", null,
        List.of(new ChunkChoice(0, new Delta(null, "Hi", null, null), null, null, null)),
        null, null);
    ChatCompletionChunk usage = new ChatCompletionChunk("chatcmpl-9",
        ChatCompletionChunk.OBJECT, 1700000000L, "m", null, List.of(), Usage.of(2, 3),
        null);

    assertEquals(RoundTrip.MAPPER.readTree("""
        {"id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1700000000,
        "model": "m", "choices": [{"index": 0, "delta": {"content": "Hi"},
                      "finish_reason": null}]}
        """), RoundTrip.tree(content));
    assertEquals(RoundTrip.MAPPER.readTree("""
        {"id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1700000000,
        "model": "m", "choices": [],
        "usage": {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}}
        """), RoundTrip.tree(usage));
  }

  @Test
  void chunk_isWrittenOnOneLineForServerSentEvents() throws Exception {
    ChatCompletionChunk chunk = RoundTrip.MAPPER.readValue(USAGE_CHUNK,
        ChatCompletionChunk.class);

    String line = RoundTrip.MAPPER.writeValueAsString(chunk);

    assertTrue(line.indexOf('\n') < 0, line);
    assertTrue(line.indexOf(' ') < 0, line);
    assertEquals("[DONE]", OpenAiJson.DONE_SENTINEL);
  }

  private static void assertFinishReasonWrittenAsNull(ChatCompletionChunk chunk)
      throws Exception {
    JsonNode choice = RoundTrip.tree(chunk).get("choices").get(0);
    assertTrue(choice.has("finish_reason"));
    assertTrue(choice.get("finish_reason").isNull());
  }
}
