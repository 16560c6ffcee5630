package io.switchboard.api.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The Messages API examples from Anthropic's documentation read and write back without loss. */
@Tag("unit")
class AnthropicWireTest {
  private static final ObjectMapper MAPPER = AnthropicJson.newMapper();

  private static <T> T lossless(String json, Class<T> type) throws Exception {
    T value = MAPPER.readValue(json, type);
    assertEquals(MAPPER.readTree(json), MAPPER.readTree(MAPPER.writeValueAsString(value)));
    return value;
  }

  @Test
  void request_withSystemBlocksToolsAndUnknownFields_roundTrips() throws Exception {
    MessagesRequest request = lossless("""
        {
          "model": "claude-sonnet-4-5",
          "max_tokens": 1024,
          "system": [{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}],
          "messages": [
            {"role": "user", "content": "What is the weather in San Francisco?"},
            {"role": "assistant", "content": [
              {"type": "text", "text": "Let me check."},
              {"type": "tool_use", "id": "toolu_01A", "name": "get_weather", "input": {"location": "San Francisco, CA"}}
            ]},
            {"role": "user", "content": [
              {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "15 degrees", "is_error": false},
              {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
            ]}
          ],
          "tools": [{"name": "get_weather", "description": "Get the weather",
                     "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}],
          "tool_choice": {"type": "auto", "disable_parallel_tool_use": true},
          "stop_sequences": ["\\n\\nHuman:"],
          "temperature": 0.5, "top_p": 0.9, "top_k": 40,
          "metadata": {"user_id": "u-1"},
          "stream": false,
          "thinking": {"type": "enabled", "budget_tokens": 2048}
        }
        """, MessagesRequest.class);

    assertEquals(1024, request.maxTokens());
    assertFalse(request.isStream());
    assertEquals("You are terse.", request.systemBlocks().get(0).text());
    assertTrue(request.systemBlocks().get(0).extra().containsKey("cache_control"));
    assertEquals("What is the weather in San Francisco?", request.messages().get(0).blocks().get(0).text());
    ContentBlock toolUse = request.messages().get(1).blocks().get(1);
    assertEquals("get_weather", toolUse.name());
    assertEquals("San Francisco, CA", toolUse.input().path("location").asText());
    List<ContentBlock> results = request.messages().get(2).blocks();
    assertEquals("toolu_01A", results.get(0).toolUseId());
    assertEquals(ContentBlock.IMAGE, results.get(1).type());
    assertEquals(ToolChoice.AUTO, request.toolChoice().type());
    assertTrue(request.toolChoice().disableParallelToolUse());
    assertTrue(request.extra().containsKey("thinking"));
  }

  @Test
  void contentOfTheWrongShape_isAClearError() {
    MessageParam bad = new MessageParam("user", MAPPER.getNodeFactory().numberNode(5), null);
    assertThrows(IllegalArgumentException.class, bad::blocks);
    assertTrue(new MessageParam("user", null, null).blocks().isEmpty());
    MessageParam notAnObject = new MessageParam("user", MAPPER.createArrayNode().add(5), null);
    assertThrows(IllegalArgumentException.class, notAnObject::blocks);
  }

  @Test
  void builtBlocks_writeTheDocumentedShapes() throws Exception {
    MessageParam message = MessageParam.of("user", List.of(
        ContentBlock.text("hi"),
        ContentBlock.image(MAPPER.readTree("{\"type\":\"url\",\"url\":\"https://example.com/a.png\"}")),
        ContentBlock.toolResult("toolu_1", ContentBlock.plain("ok"), true),
        ContentBlock.toolUse("toolu_2", "f", MAPPER.createObjectNode())));
    assertEquals(MAPPER.readTree("""
        {"role":"user","content":[{"type":"text","text":"hi"},
          {"type":"image","source":{"type":"url","url":"https://example.com/a.png"}},
          {"type":"tool_result","tool_use_id":"toolu_1","content":"ok","is_error":true},
          {"type":"tool_use","id":"toolu_2","name":"f","input":{}}]}
        """), MAPPER.valueToTree(message));
    assertEquals(MAPPER.readTree("{\"role\":\"assistant\",\"content\":\"x\"}"),
        MAPPER.valueToTree(MessageParam.of("assistant", "x")));
    assertEquals(MAPPER.readTree("{\"name\":\"f\",\"input_schema\":{}}"),
        MAPPER.valueToTree(Tool.of("f", null, MAPPER.createObjectNode())));
    assertEquals(MAPPER.readTree("{\"type\":\"tool\",\"name\":\"f\"}"),
        MAPPER.valueToTree(ToolChoice.of(ToolChoice.TOOL, "f", null)));
  }

  @Test
  void response_roundTripsWithNullStopSequenceWritten() throws Exception {
    Message message = lossless("""
        {
          "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
          "type": "message",
          "role": "assistant",
          "model": "claude-sonnet-4-5-20250929",
          "content": [{"type": "text", "text": "Hi! My name is Claude."}],
          "stop_reason": "end_turn",
          "stop_sequence": null,
          "usage": {"input_tokens": 2095, "output_tokens": 503,
                    "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "service_tier": "standard"}
        }
        """, Message.class);
    assertEquals(Message.END_TURN, message.stopReason());
    assertNull(message.stopSequence());
    assertEquals(2095, message.usage().inputTokens());
    assertEquals(MAPPER.readTree("{\"input_tokens\":1,\"output_tokens\":2}"),
        MAPPER.valueToTree(MessageUsage.of(1, 2)));
  }

  @Test
  void everyDocumentedStreamEvent_readsAsItsTypeAndWritesBack() throws Exception {
    String[] events = {
        "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"content\":[],\"model\":\"claude-sonnet-4-5\",\"stop_reason\":null,\"stop_sequence\":null,"
            + "\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}",
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
        "{\"type\":\"ping\"}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}",
        "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
            + "\"partial_json\":\"{\\\"location\\\": \\\"San Fra\"}}",
        "{\"type\":\"content_block_stop\",\"index\":0}",
        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
            + "\"usage\":{\"output_tokens\":15}}",
        "{\"type\":\"message_stop\"}",
        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"};
    Class<?>[] types = {StreamEvent.MessageStart.class, StreamEvent.ContentBlockStart.class, StreamEvent.Ping.class,
        StreamEvent.ContentBlockDelta.class, StreamEvent.ContentBlockDelta.class, StreamEvent.ContentBlockStop.class,
        StreamEvent.MessageDelta.class, StreamEvent.MessageStop.class, StreamEvent.Error.class};
    for (int i = 0; i < events.length; i++) {
      StreamEvent event = lossless(events[i], StreamEvent.class);
      assertInstanceOf(types[i], event);
      assertEquals(MAPPER.readTree(events[i]).path("type").asText(), event.eventName());
    }
    assertEquals(MAPPER.readTree("{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}"),
        MAPPER.valueToTree(new StreamEvent.ContentBlockDelta(2, BlockDelta.text("a"))));
    assertEquals("{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}",
        MAPPER.writeValueAsString(BlockDelta.inputJson("{")));
    assertEquals(MAPPER.readTree("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null}}"),
        MAPPER.valueToTree(new StreamEvent.MessageDelta(StopInfo.of("tool_use", null), null)));
  }

  @Test
  void anUnknownEventType_isReadAsUnknownNotAFailure() throws Exception {
    StreamEvent event = MAPPER.readValue("{\"type\":\"content_block_pause\",\"index\":3}", StreamEvent.class);
    assertInstanceOf(StreamEvent.Unknown.class, event);
    assertEquals("unknown", event.eventName());
  }

  @Test
  void errorEnvelope_andCountTokens_roundTrip() throws Exception {
    ErrorEnvelope error = lossless("""
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}, "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"}
        """, ErrorEnvelope.class);
    assertEquals(ErrorInfo.OVERLOADED, error.error().type());
    assertEquals(MAPPER.readTree("{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"m\"}}"),
        MAPPER.valueToTree(ErrorEnvelope.of(ErrorInfo.NOT_FOUND, "m")));

    CountTokensRequest count = lossless("""
        {"model": "claude-sonnet-4-5", "system": "Be brief.", "messages": [{"role": "user", "content": "Hello, world"}],
         "tools": [{"name": "t", "input_schema": {"type": "object"}}], "tool_choice": {"type": "any"}, "thinking": {"type": "disabled"}}
        """, CountTokensRequest.class);
    assertEquals("Hello, world", count.messages().get(0).blocks().get(0).text());
    assertEquals(14, lossless("{\"input_tokens\": 14}", CountTokensResponse.class).inputTokens());
    assertEquals("2023-06-01", AnthropicJson.API_VERSION);
  }

  @Test
  void streamFlag_isReadAsTheClientMeantIt() throws Exception {
    MessagesRequest streaming = MAPPER.readValue("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[],\"stream\":true}",
        MessagesRequest.class);
    assertTrue(streaming.isStream());
    assertTrue(streaming.systemBlocks().isEmpty());
    JsonNode written = MAPPER.valueToTree(streaming);
    assertFalse(written.has("system"));
  }
}
