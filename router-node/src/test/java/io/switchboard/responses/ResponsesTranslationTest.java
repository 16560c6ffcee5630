package io.switchboard.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The pure translations behind {@code /v1/responses}: a request's input items to chat messages, and a
 * chat stream's chunks to the Responses events, without a server.
 */
@Tag("unit")
class ResponsesTranslationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ResponseIds ids = new ResponseIds(new SplittableRandom(7));

  private ResponsesRequest decode(String body) throws Exception {
    return ResponsesRequest.decode(JSON.readTree(body), ids);
  }

  @Test
  void stringInput_isOneUserMessageItem_withAnId() throws Exception {
    ResponsesRequest request = decode("{\"model\":\"m\",\"input\":\"Hi\"}");

    JsonNode item = request.input().get(0);
    assertEquals(1, request.input().size());
    assertEquals("message", item.path("type").asText());
    assertEquals("user", item.path("role").asText());
    assertTrue(item.path("id").asText().startsWith("msg_"), item.toString());
    assertEquals("input_text", item.path("content").get(0).path("type").asText());
    assertTrue(request.store(), "store defaults to true, as OpenAI's");
  }

  @Test
  void items_becomeChatMessages_inOrder() throws Exception {
    ResponsesRequest request = decode("""
        {"model":"m","instructions":"Be brief.","input":[
          {"role":"developer","content":"Answer in French."},
          {"type":"message","role":"user","content":[{"type":"input_text","text":"What is this?"},
             {"type":"input_image","image_url":"https://example.com/a.png","detail":"low"}]},
          {"type":"reasoning","id":"rs_1","summary":[]},
          {"role":"assistant","content":"Let me look."},
          {"type":"function_call","call_id":"c1","name":"look","arguments":"{}"},
          {"type":"function_call","call_id":"c2","name":"zoom","arguments":"{\\"x\\":2}"},
          {"type":"function_call_output","call_id":"c1","output":"a cat"},
          {"type":"function_call_output","call_id":"c2","output":[{"type":"input_text","text":"a big cat"}]}]}""");

    ChatCompletionRequest chat = ResponsesToChat.translate(request, List.of());

    List<ChatMessage> messages = chat.messages();
    assertEquals(List.of("system", "system", "user", "assistant", "tool", "tool"),
        messages.stream().map(ChatMessage::role).toList());
    assertEquals("Be brief.", messages.get(0).textContent());
    assertEquals("Answer in French.", messages.get(1).textContent());
    assertEquals("image_url", messages.get(2).content().get(1).path("type").asText());
    assertEquals("low", messages.get(2).content().get(1).path("image_url").path("detail").asText());
    assertEquals("Let me look.", messages.get(3).textContent(), "the text and its calls are one assistant turn");
    assertEquals(2, messages.get(3).toolCalls().size());
    assertEquals("zoom", messages.get(3).toolCalls().get(1).path("function").path("name").asText());
    assertEquals("c2", messages.get(5).toolCallId());
    assertEquals("a big cat", messages.get(5).textContent());
  }

  @Test
  void imageByFileId_isRefusedNamingThePart() {
    ResponsesRequestException refused = assertThrows(ResponsesRequestException.class, () -> decode("""
        {"model":"m","input":[{"role":"user","content":[{"type":"input_image","file_id":"file_1"}]}]}"""));

    assertEquals(400, refused.status());
    assertEquals("input[0].content[0].image_url", refused.param());
  }

  private static List<String> names(List<ResponseEvents.Event> events) {
    return events.stream().map(ResponseEvents.Event::name).toList();
  }

  @Test
  void textThenToolCall_closesTheMessageBeforeTheCallOpens() throws Exception {
    ResponseEvents stream = new ResponseEvents("resp_1", 100, decode("{\"model\":\"m\",\"input\":\"Hi\"}"), ids);
    List<ResponseEvents.Event> events = new ArrayList<>(stream.start());
    events.addAll(stream.next(JSON.readTree("{\"choices\":[{\"delta\":{\"content\":\"Looking.\"}}]}")));
    events.addAll(stream.next(JSON.readTree("""
        {"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"look","arguments":"{}"}}]}}]}""")));
    events.addAll(stream.next(JSON.readTree("{\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}")));
    events.addAll(stream.finish());

    assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
        "response.content_part.added", "response.output_text.delta", "response.output_text.done",
        "response.content_part.done", "response.output_item.done", "response.output_item.added",
        "response.function_call_arguments.delta", "response.function_call_arguments.done",
        "response.output_item.done", "response.completed"), names(events));
    JsonNode output = stream.finalResponse().path("output");
    assertEquals("message", output.get(0).path("type").asText());
    assertEquals("function_call", output.get(1).path("type").asText());
    assertEquals(1, events.get(8).data().path("output_index").asInt());
    assertTrue(stream.finalResponse().get("usage").isNull(), "no usage chunk, no usage");
  }

  @Test
  void answerCutAtItsTokenLimit_isIncomplete() throws Exception {
    ResponseEvents stream = new ResponseEvents("resp_1", 100, decode("{\"model\":\"m\",\"input\":\"Hi\"}"), ids);
    stream.start();
    stream.next(JSON.readTree("{\"choices\":[{\"delta\":{\"content\":\"Once upon\"},\"finish_reason\":\"length\"}]}"));

    List<ResponseEvents.Event> end = stream.finish();

    assertEquals("response.incomplete", end.get(end.size() - 1).name());
    assertEquals("max_output_tokens",
        end.get(end.size() - 1).data().path("response").path("incomplete_details").path("reason").asText());
  }

  @Test
  void afterAFailure_nothingElseIsEmitted_evenAnEndMarker() throws Exception {
    ResponseEvents stream = new ResponseEvents("resp_1", 100, decode("{\"model\":\"m\",\"input\":\"Hi\"}"), ids);
    stream.start();
    stream.next(JSON.readTree("{\"choices\":[{\"delta\":{\"content\":\"Once\"}}]}"));

    List<ResponseEvents.Event> failed = stream.fail("upstream_error", "The upstream failed.");

    assertEquals(List.of("error", "response.failed"), names(failed));
    assertEquals(List.of(), stream.next(JSON.readTree("{\"choices\":[{\"delta\":{\"content\":\" more\"}}]}")));
    assertEquals(List.of(), stream.finish(), "one terminal event per response");
  }
}
