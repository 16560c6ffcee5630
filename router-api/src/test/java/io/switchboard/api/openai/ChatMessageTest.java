package io.switchboard.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ChatMessageTest {

  @Test
  void textContent_concatenatesOnlyTheTextParts() throws Exception {
    ChatMessage message = RoundTrip.assertLossless("""
        {"role": "user", "content": [
         {"type": "text", "text": "What is in "},
         {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
         {"type": "text", "text": "this picture?"},
         {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}
        ]}
        """, ChatMessage.class);

    assertEquals("What is in this picture?", message.textContent());
  }

  @Test
  void textContent_returnsAStringContentAsIs() throws Exception {
    ChatMessage message = RoundTrip.assertLossless(
        "{\"role\":\"user\",\"content\":\"Hello there\"}", ChatMessage.class);

    assertEquals("Hello there", message.textContent());
  }

  @Test
  void textContent_isEmptyForNullOrMissingContent() throws Exception {
    ChatMessage explicitNull = RoundTrip.assertLossless(
        "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[]}", ChatMessage.class);
    ChatMessage missing = RoundTrip.MAPPER.readValue("{\"role\":\"assistant\"}",
        ChatMessage.class);

    assertEquals("", explicitNull.textContent());
    assertEquals("", missing.textContent());
    assertEquals("", new ChatMessage("user", null, null, null, null, null).textContent());
  }

  @Test
  void textContent_skipsMalformedParts() throws Exception {
    ChatMessage message = RoundTrip.MAPPER.readValue("""
        {"role": "user", "content": [
         "bare string", {"type": "text"}, {"text": "untyped"}, {"type": "text", "text": "ok"}
        ]}
        """, ChatMessage.class);

    assertEquals("ok", message.textContent());
  }

  @Test
  void of_buildsAPlainStringMessage() throws Exception {
    ChatMessage message = ChatMessage.of("user", "hi");

    assertEquals("hi", message.textContent());
    assertTrue(message.extra().isEmpty());
    assertNull(message.toolCalls());
    assertEquals(RoundTrip.MAPPER.readTree("{\"role\":\"user\",\"content\":\"hi\"}"),
        RoundTrip.tree(message));
    assertEquals(message,
        RoundTrip.MAPPER.readValue("{\"role\":\"user\",\"content\":\"hi\"}",
            ChatMessage.class));
  }
}
