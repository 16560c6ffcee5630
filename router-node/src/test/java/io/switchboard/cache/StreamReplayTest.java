package io.switchboard.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.openai.OpenAiJson;
import java.util.List;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class StreamReplayTest {
  private static final ObjectMapper MAPPER = OpenAiJson.newMapper();

  private static final String COMPLETION = """
      {"id":"chatcmpl-1","object":"chat.completion","created":1741569952,"model":"gpt-4o",
       "system_fingerprint":"fp_1",
       "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there!"},"logprobs":null,
                   "finish_reason":"stop"}],
       "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29}}
      """;

  private static JsonNode data(ByteString event) throws Exception {
    String text = event.utf8String();
    assertTrue(text.startsWith("data: ") && text.endsWith("\n\n"), text);
    return MAPPER.readTree(text.substring(6));
  }

  @Test
  void completion_isReplayedAsRoleContentFinishUsageThenDone() throws Exception {
    List<ByteString> events = new StreamReplay(MAPPER).events(ByteString.fromString(COMPLETION), true);

    assertEquals(5, events.size());
    JsonNode role = data(events.get(0));
    assertEquals("chat.completion.chunk", role.path("object").asText());
    assertEquals("chatcmpl-1", role.path("id").asText());
    assertEquals("fp_1", role.path("system_fingerprint").asText());
    assertEquals("assistant", role.path("choices").path(0).path("delta").path("role").asText());
    assertTrue(role.path("choices").path(0).path("finish_reason").isNull());
    assertEquals("Hello there!", data(events.get(1)).path("choices").path(0).path("delta").path("content").asText());
    assertEquals("stop", data(events.get(2)).path("choices").path(0).path("finish_reason").asText());
    JsonNode usage = data(events.get(3));
    assertEquals(0, usage.path("choices").size());
    assertTrue(usage.path("choices").isArray());
    assertEquals(29, usage.path("usage").path("total_tokens").asInt());
    assertEquals("data: [DONE]\n\n", events.get(4).utf8String());
  }

  @Test
  void withoutIncludeUsage_thereIsNoUsageChunk() {
    List<ByteString> events = new StreamReplay(MAPPER).events(ByteString.fromString(COMPLETION), false);

    assertEquals(4, events.size());
    assertEquals("data: [DONE]\n\n", events.get(3).utf8String());
  }

  @Test
  void toolCalls_areReplayedWithTheirIndex() throws Exception {
    String withTools = """
        {"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
         "message":{"role":"assistant","content":null,"tool_calls":[
           {"id":"call_1","type":"function","function":{"name":"a","arguments":"{}"}},
           {"id":"call_2","type":"function","function":{"name":"b","arguments":"{\\"x\\":1}"}}]},
         "finish_reason":"tool_calls"}]}
        """;
    List<ByteString> events = new StreamReplay(MAPPER).events(ByteString.fromString(withTools), false);

    JsonNode calls = data(events.get(1)).path("choices").path(0).path("delta").path("tool_calls");
    assertEquals(1, calls.path(1).path("index").asInt());
    assertEquals("call_2", calls.path(1).path("id").asText());
    assertEquals("{\"x\":1}", calls.path(1).path("function").path("arguments").asText());
    assertEquals("tool_calls", data(events.get(2)).path("choices").path(0).path("finish_reason").asText());
  }
}
