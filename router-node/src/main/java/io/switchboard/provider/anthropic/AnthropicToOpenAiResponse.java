package io.switchboard.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.switchboard.api.anthropic.ContentBlock;
import io.switchboard.api.anthropic.Message;
import io.switchboard.api.anthropic.MessageUsage;
import io.switchboard.api.openai.ChatCompletion;
import io.switchboard.api.openai.ChatMessage;
import io.switchboard.api.openai.Choice;
import io.switchboard.api.openai.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An Anthropic message as an OpenAI {@code chat.completion}. A pure function.
 *
 * <p>Text blocks are joined into {@code content}; {@code tool_use} blocks become {@code tool_calls}
 * with the input written as a JSON string (and {@code content} null when there is no text, as OpenAI
 * does). A call to the tool standing in for a JSON schema becomes the content itself. Thinking and
 * other blocks OpenAI has no place for are left out. Prompt tokens include cache reads and writes,
 * which Anthropic counts separately; the cache reads are also given as
 * {@code prompt_tokens_details.cached_tokens}.
 */
public final class AnthropicToOpenAiResponse {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private AnthropicToOpenAiResponse() {}

  public static ChatCompletion translate(Message message, Optional<String> jsonTool, long created) {
    StringBuilder text = new StringBuilder();
    List<JsonNode> toolCalls = new ArrayList<>();
    boolean answeredWithSchema = false;
    for (ContentBlock block : message.content() == null ? List.<ContentBlock>of() : message.content()) {
      if (ContentBlock.TEXT.equals(block.type()) && block.text() != null) {
        text.append(block.text());
      } else if (ContentBlock.TOOL_USE.equals(block.type())) {
        String arguments = block.input() == null ? "{}" : block.input().toString();
        if (jsonTool.isPresent() && jsonTool.get().equals(block.name())) {
          text.append(arguments);
          answeredWithSchema = true;
        } else {
          toolCalls.add(toolCall(block.id(), block.name(), arguments));
        }
      }
    }
    // OpenAI writes "content": null when an answer is only tool calls.
    JsonNode content = text.length() == 0 && !toolCalls.isEmpty()
        ? NODES.nullNode() : TextNode.valueOf(text.toString());
    ChatMessage answer = new ChatMessage("assistant", content, null, toolCalls.isEmpty() ? null : toolCalls, null,
        Map.of("refusal", NODES.nullNode()));
    String finish = answeredWithSchema ? "stop" : finishReason(message.stopReason());
    return new ChatCompletion(message.id(), ChatCompletion.OBJECT, created, message.model(),
        List.of(new Choice(0, answer, finish, NODES.nullNode(), null)), usage(message.usage()), null, null);
  }

  /** Anthropic's {@code stop_reason} as an OpenAI {@code finish_reason}. */
  public static String finishReason(String stopReason) {
    if (stopReason == null) return "stop";
    return switch (stopReason) {
      case Message.MAX_TOKENS -> "length";
      case Message.TOOL_USE -> "tool_calls";
      case Message.REFUSAL -> "content_filter";
      default -> "stop"; // end_turn, stop_sequence, pause_turn
    };
  }

  /** Anthropic's counts as OpenAI usage; null when Anthropic gave none. */
  public static Usage usage(MessageUsage usage) {
    if (usage == null) return null;
    int cacheRead = orZero(usage.cacheReadInputTokens());
    int prompt = orZero(usage.inputTokens()) + orZero(usage.cacheCreationInputTokens()) + cacheRead;
    int completion = orZero(usage.outputTokens());
    Map<String, JsonNode> details = Map.of();
    if (usage.cacheReadInputTokens() != null) {
      ObjectNode cached = NODES.objectNode();
      cached.put("cached_tokens", cacheRead);
      details = Map.of("prompt_tokens_details", cached);
    }
    return new Usage(prompt, completion, prompt + completion, details);
  }

  static JsonNode toolCall(String id, String name, String arguments) {
    ObjectNode call = NODES.objectNode();
    call.put("id", id);
    call.put("type", "function");
    ObjectNode function = call.putObject("function");
    function.put("name", name);
    function.put("arguments", arguments);
    return call;
  }

  private static int orZero(Integer n) {
    return n == null ? 0 : n;
  }
}
