package io.switchboard.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.switchboard.api.anthropic.ContentBlock;
import io.switchboard.api.anthropic.MessageParam;
import io.switchboard.api.anthropic.MessagesRequest;
import io.switchboard.api.anthropic.Tool;
import io.switchboard.api.anthropic.ToolChoice;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.ChatMessage;
import io.switchboard.api.openai.StreamOptions;
import io.switchboard.provider.UntranslatableRequestException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An Anthropic Messages request (from a client of the Anthropic-compatible ingress) as an OpenAI chat
 * completion request, so that it can be routed to any upstream. A pure function.
 *
 * <ul>
 *   <li>each text block of {@code system} becomes a {@code system} message, in order;
 *   <li>a user turn's {@code tool_result} blocks become {@code tool} messages (placed first, since
 *       OpenAI wants them right after the assistant's calls), its text and image blocks one user
 *       message (a lone text block as a plain string);
 *   <li>an assistant turn's text becomes {@code content}, its {@code tool_use} blocks {@code tool_calls}
 *       with the input written as a JSON string;
 *   <li>{@code tools}/{@code tool_choice} the other way round from {@link OpenAiToAnthropicRequest};
 *       {@code stop_sequences} → {@code stop}; {@code metadata.user_id} → {@code user};
 *   <li>a streaming request asks for {@code include_usage}: Anthropic clients expect the token counts
 *       in the last events.
 * </ul>
 * {@code top_k} and thinking settings have no OpenAI counterpart and are dropped.
 */
public final class AnthropicToOpenAiRequest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private AnthropicToOpenAiRequest() {}

  public static ChatCompletionRequest translate(MessagesRequest request) {
    List<ChatMessage> messages = new ArrayList<>();
    for (ContentBlock block : blocks(request.system(), "system")) {
      if (ContentBlock.TEXT.equals(block.type())) messages.add(ChatMessage.of("system", block.text()));
    }
    List<MessageParam> turns = request.messages() == null ? List.of() : request.messages();
    for (int i = 0; i < turns.size(); i++) {
      MessageParam turn = turns.get(i);
      String param = "messages[" + i + "]";
      List<ContentBlock> blocks = blocks(turn.content(), param + ".content");
      if (MessageParam.ASSISTANT.equals(turn.role())) {
        messages.add(assistant(blocks));
      } else if (MessageParam.USER.equals(turn.role())) {
        user(turn.content(), blocks, messages, param);
      } else {
        throw new UntranslatableRequestException("Invalid role '" + turn.role() + "' in '" + param
            + "': use 'user' or 'assistant' (the system prompt is the top-level 'system').", param + ".role");
      }
    }

    Map<String, JsonNode> extra = new LinkedHashMap<>();
    if (request.tools() != null && !request.tools().isEmpty()) extra.put("tools", tools(request.tools()));
    if (request.toolChoice() != null) {
      ToolChoice choice = request.toolChoice();
      switch (choice.type() == null ? ToolChoice.AUTO : choice.type()) {
        case ToolChoice.ANY -> extra.put("tool_choice", TextNode.valueOf("required"));
        case ToolChoice.NONE -> extra.put("tool_choice", TextNode.valueOf("none"));
        case ToolChoice.TOOL -> {
          ObjectNode named = NODES.objectNode();
          named.put("type", "function");
          named.putObject("function").put("name", choice.name());
          extra.put("tool_choice", named);
        }
        default -> extra.put("tool_choice", TextNode.valueOf("auto"));
      }
      if (Boolean.TRUE.equals(choice.disableParallelToolUse())) {
        extra.put("parallel_tool_calls", NODES.booleanNode(false));
      }
    }
    JsonNode stop = null;
    if (request.stopSequences() != null && !request.stopSequences().isEmpty()) {
      ArrayNode sequences = NODES.arrayNode();
      request.stopSequences().forEach(sequences::add);
      stop = sequences;
    }
    String user = request.metadata() != null && request.metadata().hasNonNull("user_id")
        ? request.metadata().get("user_id").asText() : null;
    boolean stream = request.isStream();
    return new ChatCompletionRequest(request.model(), messages, stream ? Boolean.TRUE : null,
        stream ? new StreamOptions(true, null) : null, request.maxTokens(), null, request.temperature(),
        request.topP(), null, stop, null, user, extra);
  }

  private static List<ContentBlock> blocks(JsonNode content, String param) {
    try {
      return ContentBlock.listOf(content);
    } catch (IllegalArgumentException e) {
      throw new UntranslatableRequestException("'" + param + "' must be a string or an array of content blocks.",
          param);
    }
  }

  private static ChatMessage assistant(List<ContentBlock> blocks) {
    StringBuilder text = new StringBuilder();
    List<JsonNode> calls = new ArrayList<>();
    for (ContentBlock block : blocks) {
      if (ContentBlock.TEXT.equals(block.type())) {
        text.append(block.text());
      } else if (ContentBlock.TOOL_USE.equals(block.type())) {
        String arguments = block.input() == null ? "{}" : block.input().toString();
        calls.add(AnthropicToOpenAiResponse.toolCall(block.id(), block.name(), arguments));
      }
    }
    JsonNode content = text.length() == 0 && !calls.isEmpty() ? null : TextNode.valueOf(text.toString());
    return new ChatMessage("assistant", content, null, calls.isEmpty() ? null : calls, null, null);
  }

  private static void user(JsonNode original, List<ContentBlock> blocks, List<ChatMessage> messages, String param) {
    if (original != null && original.isTextual()) {
      messages.add(ChatMessage.of("user", original.textValue()));
      return;
    }
    ArrayNode parts = NODES.arrayNode();
    for (int j = 0; j < blocks.size(); j++) {
      ContentBlock block = blocks.get(j);
      switch (block.type() == null ? "" : block.type()) {
        case ContentBlock.TOOL_RESULT -> messages.add(new ChatMessage("tool",
            TextNode.valueOf(toolResultText(block)), null, null, block.toolUseId(), null));
        case ContentBlock.TEXT -> parts.addObject().put("type", "text").put("text", block.text());
        case ContentBlock.IMAGE -> {
          ObjectNode part = parts.addObject();
          part.put("type", "image_url");
          part.putObject("image_url").put("url", imageUrl(block.source()));
        }
        default -> throw new UntranslatableRequestException("Content block type '" + block.type() + "' in '" + param
            + "' cannot be sent to this model; use text, image, tool_use or tool_result blocks.",
            param + ".content[" + j + "]");
      }
    }
    if (parts.isEmpty()) return;
    JsonNode content = parts.size() == 1 && "text".equals(parts.get(0).path("type").asText())
        ? parts.get(0).get("text") : parts;
    messages.add(new ChatMessage("user", content, null, null, null, null));
  }

  private static String toolResultText(ContentBlock result) {
    StringBuilder text = new StringBuilder();
    for (ContentBlock part : ContentBlock.listOf(result.content())) {
      if (ContentBlock.TEXT.equals(part.type())) text.append(part.text());
    }
    return Boolean.TRUE.equals(result.isError()) ? "Error: " + text : text.toString();
  }

  private static String imageUrl(JsonNode source) {
    if (source == null) return "";
    if ("base64".equals(source.path("type").asText())) {
      return "data:" + source.path("media_type").asText() + ";base64," + source.path("data").asText();
    }
    return source.path("url").asText();
  }

  private static JsonNode tools(List<Tool> tools) {
    ArrayNode out = NODES.arrayNode();
    for (Tool tool : tools) {
      ObjectNode entry = out.addObject();
      entry.put("type", "function");
      ObjectNode function = entry.putObject("function");
      function.put("name", tool.name());
      if (tool.description() != null) function.put("description", tool.description());
      if (tool.inputSchema() != null) function.set("parameters", tool.inputSchema());
    }
    return out;
  }
}
