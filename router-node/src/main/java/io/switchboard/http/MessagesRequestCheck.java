package io.switchboard.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.anthropic.ContentBlock;
import io.switchboard.api.anthropic.MessageParam;
import io.switchboard.api.anthropic.MessagesRequest;
import io.switchboard.api.anthropic.Tool;
import io.switchboard.api.anthropic.ToolChoice;
import java.util.List;

/**
 * Checks a decoded Messages request ({@code POST /v1/messages}, {@code count_tokens}) for what decoding
 * could not: the shapes inside {@code messages}, {@code system} and the tools, which arrive as raw JSON.
 * Every problem is a 400 {@code invalid_request_error} naming the field as Anthropic does, by dotted path
 * ({@code messages.0.content.1.tool_use_id}), so a client that sends {@code "content": [null]} is told
 * what to fix rather than answered 500.
 *
 * <p>Block types the gateway does not translate ({@code thinking}, {@code document}, ...) are left to
 * the translation and the upstream; only the fields the gateway itself reads are checked.
 */
final class MessagesRequestCheck {
  private static final String STRING_OR_BLOCKS = "Input should be a string or an array of content blocks";

  private MessagesRequestCheck() {}

  static void check(MessagesRequest request) {
    if (request.model() == null || request.model().isBlank()) throw invalid("model", "Field required");
    if (request.maxTokens() == null) throw invalid("max_tokens", "Field required");
    if (request.maxTokens() < 1) throw invalid("max_tokens", "must be at least 1");
    List<MessageParam> messages = request.messages();
    if (messages == null || messages.isEmpty()) throw invalid("messages", "at least one message is required");
    for (int i = 0; i < messages.size(); i++) message(messages.get(i), "messages." + i);
    system(request.system());
    tools(request.tools());
    toolChoice(request.toolChoice());
    if (request.stopSequences() != null) {
      for (int i = 0; i < request.stopSequences().size(); i++) {
        if (request.stopSequences().get(i) == null) throw invalid("stop_sequences." + i, "Input should be a string");
      }
    }
    if (request.metadata() != null && !request.metadata().isNull() && !request.metadata().isObject()) {
      throw invalid("metadata", "Input should be an object");
    }
  }

  private static void message(MessageParam message, String path) {
    if (message == null) throw invalid(path, "Input should be an object with 'role' and 'content'");
    if (!MessageParam.USER.equals(message.role()) && !MessageParam.ASSISTANT.equals(message.role())) {
      throw invalid(path + ".role", "Input should be 'user' or 'assistant' (the system prompt is the top-level"
          + " 'system')");
    }
    JsonNode content = message.content();
    if (content == null || content.isNull() || content.isMissingNode()) {
      throw invalid(path + ".content", "Field required");
    }
    if (content.isTextual()) return;
    if (!content.isArray()) throw invalid(path + ".content", STRING_OR_BLOCKS);
    for (int j = 0; j < content.size(); j++) block(content.get(j), path + ".content." + j);
  }

  private static void block(JsonNode block, String path) {
    if (block == null || !block.isObject()) throw invalid(path, "Input should be a content block object");
    JsonNode type = block.get("type");
    if (type == null || !type.isTextual()) throw invalid(path + ".type", "Field required: the block type as a string");
    switch (type.textValue()) {
      case ContentBlock.TEXT -> requireString(block, "text", path);
      case ContentBlock.IMAGE -> requireObject(block, "source", path);
      case ContentBlock.TOOL_USE -> {
        requireString(block, "id", path);
        requireString(block, "name", path);
        JsonNode input = block.get("input");
        if (input != null && !input.isNull() && !input.isObject()) {
          throw invalid(path + ".input", "Input should be an object");
        }
      }
      case ContentBlock.TOOL_RESULT -> toolResult(block, path);
      default -> {
        // not read by the gateway: the translation or the upstream decides
      }
    }
  }

  /** A tool's result: which call it answers, and what it says (a string, or text and image blocks). */
  private static void toolResult(JsonNode block, String path) {
    requireString(block, "tool_use_id", path);
    JsonNode content = block.get("content");
    if (content != null && !content.isNull() && !content.isTextual()) {
      if (!content.isArray()) throw invalid(path + ".content", STRING_OR_BLOCKS);
      for (int k = 0; k < content.size(); k++) block(content.get(k), path + ".content." + k);
    }
    JsonNode isError = block.get("is_error");
    if (isError != null && !isError.isNull() && !isError.isBoolean()) {
      throw invalid(path + ".is_error", "Input should be a boolean");
    }
  }

  private static void system(JsonNode system) {
    if (system == null || system.isNull() || system.isMissingNode() || system.isTextual()) return;
    if (!system.isArray()) throw invalid("system", "Input should be a string or an array of text blocks");
    for (int k = 0; k < system.size(); k++) {
      JsonNode block = system.get(k);
      String path = "system." + k;
      if (block == null || !block.isObject()) throw invalid(path, "Input should be a text block object");
      if (!ContentBlock.TEXT.equals(block.path("type").asText(null))) {
        throw invalid(path + ".type", "Input should be 'text'");
      }
      requireString(block, "text", path);
    }
  }

  private static void tools(List<Tool> tools) {
    if (tools == null) return;
    for (int k = 0; k < tools.size(); k++) {
      Tool tool = tools.get(k);
      String path = "tools." + k;
      if (tool == null) throw invalid(path, "Input should be an object");
      if (tool.name() == null || tool.name().isBlank()) throw invalid(path + ".name", "Field required");
      if (tool.inputSchema() != null && !tool.inputSchema().isNull() && !tool.inputSchema().isObject()) {
        throw invalid(path + ".input_schema", "Input should be an object (a JSON Schema)");
      }
    }
  }

  private static void toolChoice(ToolChoice choice) {
    if (choice == null) return;
    if (ToolChoice.TOOL.equals(choice.type()) && (choice.name() == null || choice.name().isBlank())) {
      throw invalid("tool_choice.name", "Field required when type is 'tool'");
    }
  }

  private static void requireString(JsonNode block, String field, String path) {
    JsonNode value = block.get(field);
    if (value == null || value.isNull()) throw invalid(path + "." + field, "Field required");
    if (!value.isTextual()) throw invalid(path + "." + field, "Input should be a string");
  }

  private static void requireObject(JsonNode block, String field, String path) {
    JsonNode value = block.get(field);
    if (value == null || value.isNull()) throw invalid(path + "." + field, "Field required");
    if (!value.isObject()) throw invalid(path + "." + field, "Input should be an object");
  }

  /** Anthropic's form: the field's dotted path, a colon, what is wrong. */
  private static ApiError invalid(String path, String problem) {
    return ApiError.invalidRequest(path + ": " + problem, path, "invalid_request");
  }
}
