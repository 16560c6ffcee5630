package io.switchboard.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ChatCompletionTest {

  private static final String DOCUMENTED_RESPONSE = """
      {
       "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
       "object": "chat.completion",
       "created": 1741569952,
       "model": "gpt-4.1-2025-04-14",
       "choices": [
        {
         "index": 0,
         "message": {
          "role": "assistant",
          "content": "Hi! How can I help today?",
          "refusal": null,
          "annotations": []
         },
         "logprobs": null,
         "finish_reason": "stop"
        }
       ],
       "usage": {
        "prompt_tokens": 19,
        "completion_tokens": 10,
        "total_tokens": 29,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
         "reasoning_tokens": 0,
         "audio_tokens": 0,
         "accepted_prediction_tokens": 0,
         "rejected_prediction_tokens": 0
        }
       },
       "service_tier": "default",
       "system_fingerprint": "fp_50cad350e4"
      }
      """;

  @Test
  void documentedResponse_roundTripsWithoutLoss() throws Exception {
    ChatCompletion completion =
        RoundTrip.assertLossless(DOCUMENTED_RESPONSE, ChatCompletion.class);

    assertEquals("chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", completion.id());
    assertEquals(ChatCompletion.OBJECT, completion.object());
    assertEquals(1741569952L, completion.created());
    assertEquals("gpt-4.1-2025-04-14", completion.model());
    assertEquals("fp_50cad350e4", completion.systemFingerprint());
    assertEquals("default", completion.extra().get("service_tier").textValue());

    Choice choice = completion.choices().get(0);
    assertEquals(0, choice.index());
    assertEquals("stop", choice.finishReason());
    assertTrue(choice.logprobs().isNull());
    assertEquals("Hi! How can I help today?", choice.message().textContent());
    assertTrue(choice.message().extra().get("refusal").isNull());
    assertTrue(choice.message().extra().get("annotations").isArray());
  }

  @Test
  void usageDetails_surviveInUsageExtra() throws Exception {
    Usage usage = RoundTrip.MAPPER.readValue(DOCUMENTED_RESPONSE, ChatCompletion.class).usage();

    assertEquals(19, usage.promptTokens());
    assertEquals(10, usage.completionTokens());
    assertEquals(29, usage.totalTokens());
    assertEquals(0, usage.extra().get("prompt_tokens_details").get("cached_tokens").intValue());
    assertEquals(0, usage.extra().get("completion_tokens_details").get("reasoning_tokens")
        .intValue());
  }

  @Test
  void builtInCode_writesTheOpenAiShape() throws Exception {
    ChatCompletion completion = new ChatCompletion("chatcmpl-1", ChatCompletion.OBJECT, 1700000000L,
        "m", List.of(new Choice(0, ChatMessage.of("assistant", "ok"), "stop", null, null)),
        Usage.of(3, 1), null, null);

    assertEquals(RoundTrip.MAPPER.readTree("""
        {"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
               "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}
        """), RoundTrip.tree(completion));
  }

  @Test
  void usageOf_sumsTheTotal() {
    Usage usage = Usage.of(7, 5);

    assertEquals(12, usage.totalTokens());
    assertTrue(usage.extra().isEmpty());
  }
}
