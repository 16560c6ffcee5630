package io.switchboard.provider.anthropic;

import static io.switchboard.provider.Golden.assertEventsEqual;
import static io.switchboard.provider.Golden.assertJsonEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.api.anthropic.Message;
import io.switchboard.api.anthropic.MessagesRequest;
import io.switchboard.api.anthropic.StreamEvent;
import io.switchboard.api.openai.ChatCompletion;
import io.switchboard.api.openai.ChatCompletionChunk;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.provider.Golden;
import io.switchboard.provider.Golden.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Every translation direction between OpenAI and Anthropic, checked against the golden fixtures. */
@Tag("unit")
class AnthropicTranslationTest {
  static final String MODEL = "claude-sonnet-4-5-20250929";
  static final long CREATED = 1741569952L;

  static OpenAiToAnthropicRequest.Translated toAnthropic(String fixture) {
    return OpenAiToAnthropicRequest.translate(
        Golden.read("anthropic/" + fixture + ".openai.json", ChatCompletionRequest.class), MODEL, 4096);
  }

  @ParameterizedTest
  @ValueSource(strings = {"system-and-turns", "tools", "json-object"})
  void openAiRequest_becomesTheDocumentedAnthropicRequest(String fixture) {
    OpenAiToAnthropicRequest.Translated translated = toAnthropic(fixture);

    assertJsonEquals(Golden.json("anthropic/" + fixture + ".anthropic.json"), Golden.tree(translated.request()),
        fixture);
    assertTrue(translated.jsonTool().isEmpty());
  }

  @Test
  void jsonSchema_becomesAForcedTool_andItsCallBecomesTheContent() {
    OpenAiToAnthropicRequest.Translated translated = toAnthropic("json-schema");
    assertJsonEquals(Golden.json("anthropic/json-schema.anthropic.json"), Golden.tree(translated.request()),
        "json-schema");
    assertEquals(Optional.of("contact"), translated.jsonTool());

    Message answer = Golden.MAPPER.convertValue(Golden.tree("""
        {"id":"msg_1","type":"message","role":"assistant","model":"%s","stop_reason":"tool_use","stop_sequence":null,
         "content":[{"type":"tool_use","id":"toolu_1","name":"contact","input":{"name":"Jane Doe","age":34,"email":"jane@example.com"}}],
         "usage":{"input_tokens":10,"output_tokens":20}}
        """.formatted(MODEL)), Message.class);
    ChatCompletion completion = AnthropicToOpenAiResponse.translate(answer, translated.jsonTool(), CREATED);
    assertEquals("stop", completion.choices().get(0).finishReason());
    assertJsonEquals(Golden.tree("{\"name\":\"Jane Doe\",\"age\":34,\"email\":\"jane@example.com\"}"),
        Golden.tree(completion.choices().get(0).message().content().asText()), "structured content");
    assertTrue(completion.choices().get(0).message().toolCalls() == null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"message-text", "message-tool-use"})
  void anthropicMessage_becomesTheDocumentedChatCompletion(String fixture) {
    Message message = Golden.read("anthropic/" + fixture + ".anthropic.json", Message.class);

    ChatCompletion completion = AnthropicToOpenAiResponse.translate(message, Optional.empty(), CREATED);

    assertJsonEquals(Golden.json("anthropic/" + fixture + ".openai.json"), Golden.tree(completion), fixture);
  }

  @ParameterizedTest
  @ValueSource(strings = {"stream-text", "stream-tool-use"})
  void anthropicStream_becomesOpenAiChunksEndingInDone(String fixture) {
    boolean includeUsage = fixture.equals("stream-text");
    AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream("anthropic", includeUsage, Optional.empty(), CREATED);
    List<Event> out = new ArrayList<>();
    for (Event event : Golden.events("anthropic/" + fixture + ".anthropic.sse")) {
      StreamEvent parsed = Golden.MAPPER.convertValue(Golden.tree(event.data()), StreamEvent.class);
      assertEquals(event.name(), parsed.eventName(), "SSE event name equals the JSON type");
      assertFalse(stream.finished(), "finished only after message_stop");
      for (ChatCompletionChunk chunk : stream.next(parsed)) out.add(new Event(null, Golden.tree(chunk).toString()));
    }
    assertTrue(stream.finished());
    out.add(new Event(null, "[DONE]"));

    assertEventsEqual(Golden.events("anthropic/" + fixture + ".openai.sse"), out, fixture);
  }

  @Test
  void ingressRequest_becomesAnOpenAiRequest() {
    MessagesRequest request = Golden.read("anthropic/ingress-request.anthropic.json", MessagesRequest.class);

    ChatCompletionRequest translated = AnthropicToOpenAiRequest.translate(request);

    assertJsonEquals(Golden.json("anthropic/ingress-request.openai.json"), Golden.tree(translated), "ingress request");
  }

  @Test
  void ingressResponse_becomesAnAnthropicMessage() {
    ChatCompletion completion = Golden.read("anthropic/ingress-response.openai.json", ChatCompletion.class);

    Message message = OpenAiToAnthropicResponse.translate(completion);

    assertJsonEquals(Golden.json("anthropic/ingress-response.anthropic.json"), Golden.tree(message),
        "ingress response");
  }

  @Test
  void ingressStream_becomesAnthropicEvents() {
    OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream("fallback");
    List<Event> out = new ArrayList<>();
    for (Event event : Golden.events("anthropic/ingress-stream.openai.sse")) {
      List<StreamEvent> events = event.data().equals("[DONE]") ? stream.finish()
          : stream.next(Golden.MAPPER.convertValue(Golden.tree(event.data()), ChatCompletionChunk.class));
      for (StreamEvent e : events) out.add(new Event(e.eventName(), Golden.tree(e).toString()));
    }

    assertEventsEqual(Golden.events("anthropic/ingress-stream.anthropic.sse"), out, "ingress stream");
  }

  @Test
  void ingressStream_startsWithThePromptEstimate_andEndsWithTheUpstreamsCountWhenItGivesOne() {
    OpenAiToAnthropicStream reported = new OpenAiToAnthropicStream("fallback", 42);
    OpenAiToAnthropicStream unreported = new OpenAiToAnthropicStream("fallback", 42);
    List<StreamEvent> withUsage = new ArrayList<>();
    List<StreamEvent> withoutUsage = new ArrayList<>();
    for (Event event : Golden.events("anthropic/ingress-stream.openai.sse")) {
      if (event.data().equals("[DONE]")) {
        withUsage.addAll(reported.finish());
        withoutUsage.addAll(unreported.finish());
        continue;
      }
      ChatCompletionChunk chunk = Golden.MAPPER.convertValue(Golden.tree(event.data()), ChatCompletionChunk.class);
      withUsage.addAll(reported.next(chunk));
      if (chunk.usage() == null) withoutUsage.addAll(unreported.next(chunk));
    }

    assertEquals(42, inputTokens(withUsage.get(0), "message"), "message_start: the estimate, not 0");
    int upstream = inputTokens(withUsage.get(withUsage.size() - 2), null);
    assertTrue(upstream > 0 && upstream != 42, "message_delta: the upstream's count, " + upstream);
    assertEquals(42, inputTokens(withoutUsage.get(withoutUsage.size() - 2), null), "no count: the estimate stays");
  }

  private static int inputTokens(StreamEvent event, String under) {
    var tree = Golden.tree(event);
    return (under == null ? tree : tree.path(under)).path("usage").path("input_tokens").asInt(-1);
  }

  @Test
  void roundTrip_anthropicToOpenAiAndBack_keepsTheConversation() {
    MessagesRequest original = Golden.read("anthropic/ingress-request.anthropic.json", MessagesRequest.class);

    MessagesRequest back = OpenAiToAnthropicRequest.translate(AnthropicToOpenAiRequest.translate(original),
        original.model(), 1).request();

    assertEquals(original.maxTokens(), back.maxTokens());
    assertJsonEquals(Golden.tree(original.system()), Golden.tree(back.system()), "system");
    assertJsonEquals(Golden.tree(original.tools()), Golden.tree(back.tools()), "tools");
    assertJsonEquals(Golden.tree(original.toolChoice()), Golden.tree(back.toolChoice()), "tool_choice");
    assertEquals(original.messages().size(), back.messages().size());
    assertJsonEquals(Golden.tree(original.messages().get(1)), Golden.tree(back.messages().get(1)), "assistant turn");
  }
}
