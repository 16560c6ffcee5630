package io.switchboard.provider.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.switchboard.api.ollama.ChatResponse;
import io.switchboard.api.ollama.ToolCall;
import io.switchboard.api.openai.ChatCompletion;
import io.switchboard.api.openai.ChatMessage;
import io.switchboard.api.openai.Choice;
import io.switchboard.api.openai.Usage;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An Ollama {@code /api/chat} answer as an OpenAI {@code chat.completion}. A pure function: the
 * caller gives the completion id, since Ollama has none. Tool calls get ids derived from it
 * ({@code call_<id>_<n>}, Ollama has none either) and their argument objects written as strings;
 * {@code prompt_eval_count} and {@code eval_count} become the usage.
 */
public final class OllamaToOpenAiResponse {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private OllamaToOpenAiResponse() {}

  public static ChatCompletion translate(ChatResponse answer, String id, long fallbackCreated) {
    io.switchboard.api.ollama.ChatMessage message = answer.message();
    List<JsonNode> calls = toolCalls(message == null ? null : message.toolCalls(), id);
    String text = message == null || message.content() == null ? "" : message.content();
    JsonNode content = text.isEmpty() && !calls.isEmpty() ? NODES.nullNode() : TextNode.valueOf(text);
    ChatMessage out = new ChatMessage("assistant", content, null, calls.isEmpty() ? null : calls, null,
        Map.of("refusal", NODES.nullNode()));
    return new ChatCompletion(id, ChatCompletion.OBJECT, created(answer.createdAt(), fallbackCreated), answer.model(),
        List.of(new Choice(0, out, finishReason(answer.doneReason(), !calls.isEmpty()), NODES.nullNode(), null)),
        usage(answer), null, null);
  }

  /** Ollama's {@code done_reason} as an OpenAI {@code finish_reason}. */
  public static String finishReason(String doneReason, boolean calledTools) {
    if (calledTools) return "tool_calls";
    return "length".equals(doneReason) ? "length" : "stop";
  }

  public static Usage usage(ChatResponse answer) {
    int prompt = answer.promptEvalCount() == null ? 0 : answer.promptEvalCount();
    int completion = answer.evalCount() == null ? 0 : answer.evalCount();
    return Usage.of(prompt, completion);
  }

  /** Seconds since the epoch of Ollama's RFC 3339 {@code created_at}, or the fallback. */
  public static long created(String createdAt, long fallback) {
    if (createdAt == null) return fallback;
    try {
      return OffsetDateTime.parse(createdAt).toEpochSecond();
    } catch (DateTimeParseException e) {
      return fallback;
    }
  }

  static List<JsonNode> toolCalls(List<ToolCall> calls, String id) {
    List<JsonNode> out = new ArrayList<>();
    if (calls == null) return out;
    for (ToolCall call : calls) out.add(toolCall(call, callId(id, out.size())));
    return out;
  }

  static String callId(String completionId, int n) {
    return "call_" + completionId.replace("chatcmpl-", "") + "_" + n;
  }

  private static JsonNode toolCall(ToolCall call, String callId) {
    ObjectNode node = NODES.objectNode();
    node.put("id", callId);
    node.put("type", "function");
    ObjectNode function = node.putObject("function");
    function.put("name", call.function() == null ? "" : call.function().name());
    JsonNode arguments = call.function() == null ? null : call.function().arguments();
    function.put("arguments", arguments == null ? "{}" : arguments.isTextual() ? arguments.textValue()
        : arguments.toString());
    return node;
  }
}
