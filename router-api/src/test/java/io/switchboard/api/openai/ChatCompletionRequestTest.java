package io.switchboard.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ChatCompletionRequestTest {

  private static final String DOCUMENTED_REQUEST = """
      {
       "model": "gpt-4o",
       "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Hello!"}
       ],
       "temperature": 0.7,
       "top_p": 1.0,
       "n": 1,
       "max_tokens": 256,
       "stop": ["\\n\\n"],
       "seed": 42,
       "user": "user-1234"
      }
      """;

  private static final String REQUEST_WITH_UNKNOWN_FIELDS = """
      {
       "model": "o4-mini",
       "reasoning_effort": "low",
       "messages": [
        {"role": "developer", "content": "Answer briefly.", "cache_hint": {"ttl": 300}},
        {"role": "user", "name": "ada", "content": [
         {"type": "text", "text": "Weather in Paris?"}
        ]},
        {"role": "assistant", "content": null, "refusal": null, "tool_calls": [
         {"id": "call_1", "type": "function",
         "function": {"name": "get_weather", "arguments": "{\\"city\\":\\"Paris\\"}"}}
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18C, clear"}
       ],
       "stream": true,
       "stream_options": {"include_usage": true, "include_obfuscation": false},
       "max_completion_tokens": 500,
       "metadata": {"a": "b"},
       "parallel_tool_calls": false,
       "tools": [
        {"type": "function", "function": {
         "name": "get_weather",
         "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}
        }}
       ],
       "tool_choice": "auto",
       "response_format": {"type": "json_schema", "json_schema": {"name": "w", "strict": true}},
       "logit_bias": {"50256": -100},
       "store": null
      }
      """;

  @Test
  void documentedRequest_parsesTypedFieldsAndRoundTrips() throws Exception {
    ChatCompletionRequest request =
        RoundTrip.assertLossless(DOCUMENTED_REQUEST, ChatCompletionRequest.class);

    assertEquals("gpt-4o", request.model());
    assertEquals(2, request.messages().size());
    assertEquals("system", request.messages().get(0).role());
    assertEquals("Hello!", request.messages().get(1).textContent());
    assertEquals(0.7, request.temperature());
    assertEquals(1.0, request.topP());
    assertEquals(1, request.n());
    assertEquals(256, request.maxTokens());
    assertTrue(request.stop().isArray());
    assertEquals(42L, request.seed());
    assertEquals("user-1234", request.user());
    assertTrue(request.extra().isEmpty());
    assertTrue(request.messages().get(0).extra().isEmpty());
  }

  @Test
  void unknownFields_surviveAtTopLevelInMessagesAndInStreamOptions() throws Exception {
    ChatCompletionRequest request =
        RoundTrip.assertLossless(REQUEST_WITH_UNKNOWN_FIELDS, ChatCompletionRequest.class);

    assertEquals(
        List.of("reasoning_effort", "metadata", "parallel_tool_calls", "tools",
            "tool_choice", "response_format", "logit_bias", "store").stream().sorted()
            .toList(),
        request.extra().keySet().stream().sorted().toList());
    assertEquals("low", request.extra().get("reasoning_effort").textValue());
    assertTrue(request.extra().get("store").isNull());
    assertEquals(300, request.messages().get(0).extra().get("cache_hint").get("ttl").intValue());
    assertTrue(request.messages().get(2).extra().get("refusal").isNull());
    assertEquals(Map.of("include_obfuscation", BooleanNode.FALSE),
        request.streamOptions().extra());
    assertEquals(1, request.messages().get(2).toolCalls().size());
    assertEquals("call_1", request.messages().get(3).toolCallId());
    assertEquals("ada", request.messages().get(1).name());
  }

  @Test
  void unknownFields_areNotWrittenAsANestedExtraObject() throws Exception {
    ChatCompletionRequest request =
        RoundTrip.MAPPER.readValue(REQUEST_WITH_UNKNOWN_FIELDS, ChatCompletionRequest.class);

    String json = RoundTrip.MAPPER.writeValueAsString(request);

    assertFalse(json.contains("\"extra\""), json);
    assertFalse(json.contains("switchboard"), json);
  }

  @Test
  void keyNamedExtra_isPassedThroughLikeAnyOtherUnknownKey() throws Exception {
    String json = """
        {"model": "m", "messages": [], "extra": {"trace": "x"},
        "stream_options": {"extra": 5}}
        """;

    ChatCompletionRequest request = RoundTrip.assertLossless(json, ChatCompletionRequest.class);

    assertEquals("x", request.extra().get("extra").get("trace").textValue());
    assertEquals(IntNode.valueOf(5), request.streamOptions().extra().get("extra"));
  }

  @Test
  void nullValuedKnownFields_areOmittedOnWrite() throws Exception {
    ChatCompletionRequest request = new ChatCompletionRequest("m",
        List.of(ChatMessage.of("user", "hi")), null, null, null, null, null, null, null,
        null, null, null, null);

    assertEquals(RoundTrip.MAPPER.readTree("""
        {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        """), RoundTrip.tree(request));
  }

  @Test
  void typedDecimalFields_keepTheValueButWriteItAsADecimal() throws Exception {
    ChatCompletionRequest request = parse("{\"temperature\":1,\"top_p\":0.5,\"seed\":7}");

    String json = RoundTrip.MAPPER.writeValueAsString(request);

    assertEquals("{\"temperature\":1.0,\"top_p\":0.5,\"seed\":7}", json);
  }

  @Test
  void withModel_changesOnlyTheModel() throws Exception {
    ChatCompletionRequest original =
        RoundTrip.MAPPER.readValue(REQUEST_WITH_UNKNOWN_FIELDS, ChatCompletionRequest.class);

    ChatCompletionRequest rerouted = original.withModel("gpt-4.1-mini");

    assertEquals("gpt-4.1-mini", rerouted.model());
    assertEquals(original.extra(), rerouted.extra());
    ObjectNode expected = (ObjectNode) RoundTrip.MAPPER.readTree(REQUEST_WITH_UNKNOWN_FIELDS);
    expected.put("model", "gpt-4.1-mini");
    assertEquals(expected, RoundTrip.tree(rerouted));
    assertEquals(original, rerouted.withModel(original.model()));
  }

  @Test
  void extra_isEmptyAndReadOnlyWhenNullIsPassed() {
    ChatCompletionRequest request = new ChatCompletionRequest("m", List.of(), null, null, null,
        null, null, null, null, null, null, null, null);

    assertNotNull(request.extra());
    assertTrue(request.extra().isEmpty());
    assertThrows(UnsupportedOperationException.class,
        () -> request.extra().put("k", IntNode.valueOf(1)));
  }

  @Test
  void extra_isEmptyAfterParsingABodyWithoutUnknownKeys() throws Exception {
    ChatCompletionRequest request = RoundTrip.MAPPER.readValue(
        "{\"model\":\"m\",\"stream_options\":{\"include_usage\":true}}",
        ChatCompletionRequest.class);

    assertNotNull(request.extra());
    assertTrue(request.extra().isEmpty());
    assertNotNull(request.streamOptions().extra());
    assertNull(request.messages());
  }

  @Test
  void extra_isACopyDetachedFromTheCallersMap() {
    Map<String, JsonNode> callers = new LinkedHashMap<>();
    callers.put("b", IntNode.valueOf(2));
    callers.put("a", IntNode.valueOf(1));

    StreamOptions options = new StreamOptions(true, callers);
    callers.put("c", IntNode.valueOf(3));

    assertEquals(List.of("b", "a"), List.copyOf(options.extra().keySet()));
    assertThrows(UnsupportedOperationException.class, () -> options.extra().clear());
  }

  @Test
  void isStream_isTrueOnlyForAnExplicitTrue() throws Exception {
    assertFalse(parse("{}").isStream());
    assertFalse(parse("{\"stream\":false}").isStream());
    assertFalse(parse("{\"stream\":null}").isStream());
    assertTrue(parse("{\"stream\":true}").isStream());
  }

  @Test
  void includeUsage_needsStreamOptionsWithIncludeUsageTrue() throws Exception {
    assertFalse(parse("{\"stream\":true}").includeUsage());
    assertFalse(parse("{\"stream_options\":{}}").includeUsage());
    assertFalse(parse("{\"stream_options\":{\"include_usage\":false}}").includeUsage());
    assertTrue(parse("{\"stream_options\":{\"include_usage\":true}}").includeUsage());
  }

  @Test
  void outputTokenLimit_prefersMaxCompletionTokens() throws Exception {
    assertNull(parse("{}").outputTokenLimit());
    assertEquals(100, parse("{\"max_tokens\":100}").outputTokenLimit());
    assertEquals(50, parse("{\"max_completion_tokens\":50}").outputTokenLimit());
    assertEquals(50,
        parse("{\"max_tokens\":100,\"max_completion_tokens\":50}").outputTokenLimit());
  }

  @Test
  void derivedAccessors_areNotSerialized() throws Exception {
    ChatCompletionRequest request = parse("""
        {"model":"m","stream":true,"stream_options":{"include_usage":true},"max_tokens":9}
        """);

    JsonNode written = RoundTrip.tree(request);

    assertEquals(RoundTrip.MAPPER.readTree("""
        {"model":"m","stream":true,"stream_options":{"include_usage":true},"max_tokens":9}
        """), written);
  }

  private static ChatCompletionRequest parse(String json) throws Exception {
    return RoundTrip.MAPPER.readValue(json, ChatCompletionRequest.class);
  }
}
