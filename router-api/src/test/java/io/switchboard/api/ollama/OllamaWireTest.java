package io.switchboard.api.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The examples of Ollama's API documentation read and write back without loss. */
@Tag("unit")
class OllamaWireTest {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private static <T> T lossless(String json, Class<T> type) throws Exception {
    T value = MAPPER.readValue(json, type);
    assertEquals(MAPPER.readTree(json), MAPPER.readTree(MAPPER.writeValueAsString(value)));
    return value;
  }

  @Test
  void chatRequest_withOptionsToolsSchemaFormatAndKeepAlive_roundTrips() throws Exception {
    ChatRequest request = lossless("""
        {
          "model": "llama3.2",
          "messages": [
            {"role": "system", "content": "Answer in JSON."},
            {"role": "user", "content": "what is in this image?", "images": ["iVBORw0KGgo="]},
            {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather",
                "arguments": {"city": "Tokyo"}}}]},
            {"role": "tool", "content": "11 degrees", "tool_name": "get_weather"}
          ],
          "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
          "format": {"type": "object", "properties": {"age": {"type": "integer"}}, "required": ["age"]},
          "options": {"temperature": 0.2, "top_p": 0.9, "top_k": 40, "seed": 42, "num_ctx": 8192,
                      "num_predict": 128, "stop": ["\\n"], "presence_penalty": 0.1, "frequency_penalty": 0.2,
                      "repeat_penalty": 1.1},
          "stream": false,
          "keep_alive": "5m",
          "think": false
        }
        """, ChatRequest.class);
    assertEquals(8192, request.options().numCtx());
    assertTrue(request.options().extra().containsKey("repeat_penalty"));
    assertEquals("Tokyo", request.messages().get(2).toolCalls().get(0).function().arguments().path("city").asText());
    assertEquals("get_weather", request.messages().get(3).toolName());
    assertTrue(request.extra().containsKey("think"));
    assertEquals(MAPPER.readTree("{\"role\":\"user\",\"content\":\"hi\"}"), MAPPER.valueToTree(ChatMessage.of("user", "hi")));
    assertEquals(MAPPER.readTree("{\"function\":{\"name\":\"f\",\"arguments\":{}}}"),
        MAPPER.valueToTree(ToolCall.of("f", MAPPER.createObjectNode())));
  }

  @Test
  void finalAnswerAndStreamLines_roundTrip() throws Exception {
    ChatResponse done = lossless("""
        {"model": "llama3.2", "created_at": "2023-12-12T14:13:43.416799Z",
         "message": {"role": "assistant", "content": "Hello! How are you today?"},
         "done": true, "done_reason": "stop", "total_duration": 5191566416, "load_duration": 2154458,
         "prompt_eval_count": 26, "prompt_eval_duration": 383809000, "eval_count": 298, "eval_duration": 4799921000}
        """, ChatResponse.class);
    assertTrue(done.done());
    assertEquals(298, done.evalCount());
    ChatResponse line = lossless("""
        {"model": "llama3.2", "created_at": "2023-08-04T08:52:19.385406455-07:00",
         "message": {"role": "assistant", "content": "The", "images": null}, "done": false}
        """.replace(", \"images\": null", ""), ChatResponse.class);
    assertFalse(line.done());
  }

  @Test
  void tagsPsPullAndError_roundTrip() throws Exception {
    ModelListing tags = lossless("""
        {"models": [{"name": "llama3.2:latest", "model": "llama3.2:latest", "modified_at": "2025-05-04T17:37:44.706015396-07:00",
          "size": 2019393189, "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
          "details": {"format": "gguf", "family": "llama", "parameter_size": "3.2B", "quantization_level": "Q4_K_M"}}]}
        """, ModelListing.class);
    assertTrue(tags.contains("llama3.2"));
    assertTrue(tags.contains("llama3.2:latest"));
    assertFalse(tags.contains("mistral"));
    ModelListing ps = lossless("""
        {"models": [{"name": "mistral:latest", "model": "mistral:latest", "size": 5137025024,
          "digest": "2ae6f6dd7a3dd734790bbbf58b8909a606e0e7e97e94b7604e0aa7ae4490e6d8",
          "details": {"family": "llama"}, "expires_at": "2024-06-04T14:38:31.83753-07:00", "size_vram": 5137025024}]}
        """, ModelListing.class);
    assertEquals(5137025024L, ps.models().get(0).sizeVram());
    assertTrue(new ModelListing(null).models().isEmpty());

    PullProgress progress = lossless("""
        {"status": "pulling digestname", "digest": "digestname", "total": 2142590208, "completed": 241970}
        """, PullProgress.class);
    assertFalse(progress.failed());
    assertFalse(progress.succeeded());
    assertTrue(lossless("{\"status\": \"success\"}", PullProgress.class).succeeded());
    assertTrue(lossless("{\"error\": \"write /root/.ollama/models/blobs: no space left on device\"}",
        PullProgress.class).failed());
    assertEquals(MAPPER.readTree("{\"model\":\"llama3.2\"}"), MAPPER.valueToTree(new PullRequest("llama3.2", null, null)));

    assertEquals("model \"llama3\" not found, try pulling it first",
        lossless("{\"error\": \"model \\\"llama3\\\" not found, try pulling it first\"}", ErrorBody.class).error());
    assertEquals(List.of(), new ModelListing(List.of()).models());
  }
}
