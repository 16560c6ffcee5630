package io.switchboard.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.switchboard.api.anthropic.ContentBlock;
import io.switchboard.api.anthropic.Message;
import io.switchboard.api.anthropic.MessageUsage;
import io.switchboard.api.openai.ChatCompletion;
import io.switchboard.api.openai.Choice;
import io.switchboard.api.openai.Usage;
import java.util.ArrayList;
import java.util.List;

/**
 * An OpenAI {@code chat.completion} as an Anthropic message, for clients of the Anthropic-compatible
 * ingress. A pure function. Content becomes a text block, each tool call a {@code tool_use} block
 * (arguments that are not a JSON object are kept as {@code {"arguments": "<the string>"}} rather than
 * lost); {@code finish_reason} becomes {@code stop_reason}.
 */
public final class OpenAiToAnthropicResponse {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private OpenAiToAnthropicResponse() {}

  public static Message translate(ChatCompletion completion) {
    Choice choice = completion.choices() == null || completion.choices().isEmpty() ? null : completion.choices().get(0);
    List<ContentBlock> content = new ArrayList<>();
    if (choice != null && choice.message() != null) {
      String text = choice.message().textContent();
      if (!text.isEmpty()) content.add(ContentBlock.text(text));
      if (choice.message().toolCalls() != null) {
        for (JsonNode call : choice.message().toolCalls()) {
          JsonNode function = call.path("function");
          content.add(ContentBlock.toolUse(call.path("id").asText(), function.path("name").asText(),
              toolInput(function.path("arguments").asText(""))));
        }
      }
    }
    return new Message(completion.id(), Message.TYPE, "assistant", content, completion.model(),
        stopReason(choice == null ? null : choice.finishReason()), null, usage(completion.usage()), null);
  }

  /** OpenAI's {@code finish_reason} as Anthropic's {@code stop_reason}. */
  public static String stopReason(String finishReason) {
    if (finishReason == null) return Message.END_TURN;
    return switch (finishReason) {
      case "length" -> Message.MAX_TOKENS;
      case "tool_calls", "function_call" -> Message.TOOL_USE;
      case "content_filter" -> Message.REFUSAL;
      default -> Message.END_TURN;
    };
  }

  static MessageUsage usage(Usage usage) {
    return usage == null ? MessageUsage.of(0, 0) : MessageUsage.of(usage.promptTokens(), usage.completionTokens());
  }

  static JsonNode toolInput(String arguments) {
    if (arguments.isBlank()) return NODES.objectNode();
    try {
      JsonNode input = MAPPER.readTree(arguments);
      if (input != null && input.isObject()) return input;
    } catch (java.io.IOException notJson) {
      // kept as a string below
    }
    return NODES.objectNode().put("arguments", arguments);
  }
}
