package io.switchboard.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.api.anthropic.ErrorInfo;
import io.switchboard.api.anthropic.Message;
import io.switchboard.api.anthropic.MessagesRequest;
import io.switchboard.api.anthropic.StreamEvent;
import io.switchboard.api.openai.ChatCompletion;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.provider.Golden;
import io.switchboard.provider.UntranslatableRequestException;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamException.Kind;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The rules of the Anthropic translation that the golden fixtures do not show: refusals and error mapping. */
@Tag("unit")
class AnthropicRulesTest {

  private static ChatCompletionRequest request(String json) {
    return Golden.MAPPER.convertValue(Golden.tree(json), ChatCompletionRequest.class);
  }

  private static String refusal(String json) {
    UntranslatableRequestException e = assertThrows(UntranslatableRequestException.class,
        () -> OpenAiToAnthropicRequest.translate(request(json), "claude", 100));
    return e.param();
  }

  @Test
  void requestsAnthropicCannotExpress_areRefusedNamingTheParameter() {
    assertEquals("n", refusal("{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
    assertEquals("messages", refusal("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"only\"}]}"));
    assertEquals("messages[0].role", refusal("{\"model\":\"m\",\"messages\":[{\"role\":\"function\",\"content\":\"x\"}]}"));
    assertEquals("messages[0].content[0]", refusal("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
        + "[{\"type\":\"input_audio\",\"input_audio\":{}}]}]}"));
    assertEquals("messages[1].tool_calls[0].function.arguments", refusal("{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"},{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\","
        + "\"function\":{\"name\":\"f\",\"arguments\":\"[1,2]\"}}]}]}"));
    assertEquals("response_format", refusal("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
        + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"schema\":{}}}}"));
    assertEquals("tools[0].type", refusal("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"tools\":[{\"type\":\"web_search\"}]}"));
    assertEquals("tool_choice", refusal("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"tool_choice\":{\"type\":\"function\"}}"));
  }

  @Test
  void toolChoiceAuto_andParallelOff_withoutAChoice_becomeAutoWithParallelDisabled() {
    MessagesRequest auto = OpenAiToAnthropicRequest.translate(request("{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"}],\"tool_choice\":\"auto\"}"), "claude", 100).request();
    assertEquals("auto", auto.toolChoice().type());
    MessagesRequest serial = OpenAiToAnthropicRequest.translate(request("{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"}],\"parallel_tool_calls\":false}"), "claude", 100).request();
    assertEquals("auto", serial.toolChoice().type());
    assertTrue(serial.toolChoice().disableParallelToolUse());
  }

  @Test
  void everyDocumentedErrorType_mapsToItsStatusAndKind() {
    String[][] cases = {
        {ErrorInfo.INVALID_REQUEST, "400", "REQUEST_REJECTED"}, {ErrorInfo.AUTHENTICATION, "401", "REJECTED_CREDENTIALS"},
        {ErrorInfo.PERMISSION, "403", "REJECTED_CREDENTIALS"}, {ErrorInfo.NOT_FOUND, "404", "REQUEST_REJECTED"},
        {ErrorInfo.REQUEST_TOO_LARGE, "413", "REQUEST_REJECTED"}, {ErrorInfo.RATE_LIMIT, "429", "RATE_LIMITED"},
        {ErrorInfo.API, "500", "SERVER_ERROR"}, {ErrorInfo.OVERLOADED, "529", "OVERLOADED"}};
    for (String[] c : cases) {
      UpstreamException e = AnthropicErrors.fromStreamError("claude", new ErrorInfo(c[0], "boom"));
      assertEquals(Integer.parseInt(c[1]), e.upstreamStatus(), c[0]);
      assertEquals(Kind.valueOf(c[2]), e.kind(), c[0]);
      assertTrue(e.getMessage().contains("boom") && e.getMessage().contains("claude"), e.getMessage());
    }
    assertEquals(500, AnthropicErrors.statusOf(null));
    assertEquals(500, AnthropicErrors.fromStreamError("claude", null).upstreamStatus());
  }

  @Test
  void anErrorBodyThatIsNotAnEnvelope_stillGivesTheStatus() {
    UpstreamException e = AnthropicErrors.fromStatus("claude", 502, "<html>Bad gateway</html>", null);
    assertEquals(Kind.SERVER_ERROR, e.kind());
    assertTrue(e.getMessage().contains("HTTP 502"), e.getMessage());
    UpstreamException notFound = AnthropicErrors.fromStatus("claude", 404, null, null);
    assertTrue(notFound.upstreamBody().orElseThrow().contains("invalid_request_error"));
  }

  @Test
  void stopReasons_andFinishReasons_mapBothWays() {
    assertEquals("length", AnthropicToOpenAiResponse.finishReason("max_tokens"));
    assertEquals("stop", AnthropicToOpenAiResponse.finishReason("stop_sequence"));
    assertEquals("stop", AnthropicToOpenAiResponse.finishReason("pause_turn"));
    assertEquals("content_filter", AnthropicToOpenAiResponse.finishReason("refusal"));
    assertEquals("stop", AnthropicToOpenAiResponse.finishReason(null));
    assertEquals(Message.MAX_TOKENS, OpenAiToAnthropicResponse.stopReason("length"));
    assertEquals(Message.REFUSAL, OpenAiToAnthropicResponse.stopReason("content_filter"));
    assertEquals(Message.END_TURN, OpenAiToAnthropicResponse.stopReason(null));
    assertEquals(Message.END_TURN, OpenAiToAnthropicResponse.stopReason("stop"));
  }

  @Test
  void eventsBeforeMessageStart_areAMalformedStream() {
    AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream("claude", false, Optional.empty(), 0);
    StreamEvent delta = Golden.MAPPER.convertValue(Golden.tree("{\"type\":\"content_block_delta\",\"index\":0,"
        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}"), StreamEvent.class);
    UpstreamException e = assertThrows(UpstreamException.class, () -> stream.next(delta));
    assertEquals(Kind.MALFORMED_RESPONSE, e.kind());
  }

  @Test
  void ingressAnswerWithoutChoicesOrUsage_isAnEmptyMessage_andOddArgumentsAreKept() {
    ChatCompletion empty = Golden.MAPPER.convertValue(Golden.tree("{\"id\":\"c\",\"model\":\"m\",\"choices\":[]}"),
        ChatCompletion.class);
    Message message = OpenAiToAnthropicResponse.translate(empty);
    assertTrue(message.content().isEmpty());
    assertEquals(0, message.usage().inputTokens());
    assertEquals("not json", OpenAiToAnthropicResponse.toolInput("not json").path("arguments").asText());
  }

  @Test
  void ingressRequest_withAnUnknownRoleOrBlock_isRefusedNamingIt() {
    MessagesRequest badRole = Golden.MAPPER.convertValue(Golden.tree("{\"model\":\"m\",\"max_tokens\":5,"
        + "\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}"), MessagesRequest.class);
    assertEquals("messages[0].role", assertThrows(UntranslatableRequestException.class,
        () -> AnthropicToOpenAiRequest.translate(badRole)).param());
    MessagesRequest badBlock = Golden.MAPPER.convertValue(Golden.tree("{\"model\":\"m\",\"max_tokens\":5,"
        + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":{}}]}]}"), MessagesRequest.class);
    assertEquals("messages[0].content[0]", assertThrows(UntranslatableRequestException.class,
        () -> AnthropicToOpenAiRequest.translate(badBlock)).param());
    MessagesRequest badContent = Golden.MAPPER.convertValue(Golden.tree("{\"model\":\"m\",\"max_tokens\":5,"
        + "\"messages\":[{\"role\":\"user\",\"content\":5}]}"), MessagesRequest.class);
    assertEquals("messages[0].content", assertThrows(UntranslatableRequestException.class,
        () -> AnthropicToOpenAiRequest.translate(badContent)).param());
  }
}
