package io.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.switchboard.api.openai.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Responses input items: normalized once when a request is decoded (so that what is stored and listed
 * by {@code GET /v1/responses/{id}/input_items} has OpenAI's item shapes), and turned into chat messages
 * when a request is translated.
 *
 * <p>Items served: messages (role {@code user}, {@code assistant}, {@code system}, {@code developer};
 * content a string or {@code input_text}, {@code output_text}, {@code refusal} and {@code input_image}
 * parts with an image URL), {@code function_call} and {@code function_call_output}. {@code reasoning}
 * items are dropped: no upstream behind a chat translation can read them. Anything else ({@code
 * item_reference}, files, audio, images by file id, built-in tool calls) is refused naming the item.
 */
final class InputItems {
  private static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");

  private InputItems() {}

  static ArrayNode normalize(JsonNode input, ResponseIds ids) {
    ArrayNode items = ResponsesRequest.array();
    if (input.isTextual()) {
      items.add(message(ids.message(), "user", input));
      return items;
    }
    if (!input.isArray()) throw ResponsesRequest.wrongType("input", "a string or an array of items");
    for (int i = 0; i < input.size(); i++) {
      JsonNode item = input.get(i);
      String param = "input[" + i + "]";
      if (!item.isObject()) throw ResponsesRequest.wrongType(param, "an object");
      String type = item.path("type").asText("message");
      switch (type) {
        case "message" -> {
          String role = item.path("role").asText();
          if (!ROLES.contains(role)) {
            throw ResponsesRequestException.invalid(param + ".role", "invalid_value",
                "role must be one of user, assistant, system, developer.");
          }
          JsonNode content = item.get("content");
          if (content == null || !(content.isTextual() || content.isArray())) {
            throw ResponsesRequest.wrongType(param + ".content", "a string or an array of content parts");
          }
          ObjectNode normalized = message(item.path("id").asText(ids.message()), role, content);
          checkParts(normalized.withArray("content"), param + ".content");
          if (item.hasNonNull("status")) normalized.set("status", item.get("status"));
          items.add(normalized);
        }
        case "function_call" -> {
          ObjectNode call = ((ObjectNode) item).deepCopy();
          for (String field : new String[] {"call_id", "name", "arguments"}) {
            if (!item.path(field).isTextual()) throw ResponsesRequest.wrongType(param + "." + field, "a string");
          }
          if (!call.hasNonNull("id")) call.put("id", ids.functionCall());
          if (!call.hasNonNull("status")) call.put("status", "completed");
          items.add(call);
        }
        case "function_call_output" -> {
          if (!item.path("call_id").isTextual()) throw ResponsesRequest.wrongType(param + ".call_id", "a string");
          JsonNode output = item.get("output");
          if (output == null || !(output.isTextual() || output.isArray())) {
            throw ResponsesRequest.wrongType(param + ".output", "a string or an array of input_text parts");
          }
          ObjectNode result = ((ObjectNode) item).deepCopy();
          if (!result.hasNonNull("id")) result.put("id", ids.functionCallOutput());
          if (!result.hasNonNull("status")) result.put("status", "completed");
          items.add(result);
        }
        case "reasoning" -> { /* dropped: see the class comment */ }
        default -> throw ResponsesRequestException.unsupported(param + ".type",
            "Input items of type '" + type + "' are not supported by this gateway; send messages, function_call"
                + " and function_call_output items.");
      }
    }
    return items;
  }

  /** A message item with its content as parts: a string becomes one text part of the role's kind. */
  private static ObjectNode message(String id, String role, JsonNode content) {
    ObjectNode message = ResponsesRequest.object();
    message.put("id", id);
    message.put("type", "message");
    message.put("role", role);
    message.put("status", "completed");
    ArrayNode parts = message.putArray("content");
    if (content.isTextual()) {
      ObjectNode part = parts.addObject();
      if (role.equals("assistant")) {
        part.put("type", "output_text");
        part.set("text", content);
        part.putArray("annotations");
      } else {
        part.put("type", "input_text");
        part.set("text", content);
      }
    } else {
      parts.addAll((ArrayNode) content.deepCopy());
    }
    return message;
  }

  private static void checkParts(ArrayNode parts, String param) {
    for (int i = 0; i < parts.size(); i++) {
      JsonNode part = parts.get(i);
      String at = param + "[" + i + "]";
      String type = part.path("type").asText();
      switch (type) {
        case "input_text", "output_text" -> {
          if (!part.path("text").isTextual()) throw ResponsesRequest.wrongType(at + ".text", "a string");
        }
        case "refusal" -> {
          if (!part.path("refusal").isTextual()) throw ResponsesRequest.wrongType(at + ".refusal", "a string");
        }
        case "input_image" -> {
          if (!part.path("image_url").isTextual()) {
            throw ResponsesRequestException.unsupported(at + ".image_url",
                "Images are served by URL (image_url, http(s) or data:) only; file_id is not supported.");
          }
        }
        default -> throw ResponsesRequestException.unsupported(at + ".type",
            "Content parts of type '" + type + "' are not supported by this gateway; send input_text,"
                + " output_text or input_image parts.");
      }
    }
  }

  /** {@code items} (already normalized) as chat messages, in order. */
  static List<ChatMessage> toChat(List<JsonNode> items) {
    List<ChatMessage> messages = new ArrayList<>();
    for (JsonNode item : items) {
      String type = item.path("type").asText("message");
      switch (type) {
        case "message" -> messages.add(chatMessage(item));
        case "function_call" -> {
          ObjectNode call = ResponsesRequest.object();
          call.put("id", item.path("call_id").asText());
          call.put("type", "function");
          ObjectNode function = call.putObject("function");
          function.put("name", item.path("name").asText());
          function.put("arguments", item.path("arguments").asText());
          ChatMessage last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
          if (last != null && last.role().equals("assistant")) {
            // Parallel calls (and the text before them) are one assistant turn in chat's terms.
            List<JsonNode> calls = new ArrayList<>(last.toolCalls() == null ? List.of() : last.toolCalls());
            calls.add(call);
            messages.set(messages.size() - 1, new ChatMessage("assistant", last.content(), null, calls, null, null));
          } else {
            messages.add(new ChatMessage("assistant", null, null, List.of(call), null, null));
          }
        }
        case "function_call_output" -> messages.add(new ChatMessage("tool", TextNode.valueOf(outputText(item)),
            null, null, item.path("call_id").asText(), null));
        default -> { /* output items the gateway never makes; input was checked at decode */ }
      }
    }
    return messages;
  }

  private static ChatMessage chatMessage(JsonNode item) {
    String role = item.path("role").asText();
    JsonNode parts = item.path("content");
    if (!role.equals("user")) {
      StringBuilder text = new StringBuilder();
      for (JsonNode part : parts) text.append(part.has("text") ? part.path("text").asText() : part.path("refusal").asText());
      return ChatMessage.of(role.equals("developer") ? "system" : role, text.toString());
    }
    boolean textOnly = true;
    for (JsonNode part : parts) textOnly &= !part.path("type").asText().equals("input_image");
    if (textOnly && parts.size() == 1) return ChatMessage.of("user", parts.get(0).path("text").asText());
    ArrayNode chatParts = ResponsesRequest.array();
    for (JsonNode part : parts) {
      ObjectNode chatPart = chatParts.addObject();
      if (part.path("type").asText().equals("input_image")) {
        chatPart.put("type", "image_url");
        ObjectNode url = chatPart.putObject("image_url");
        url.put("url", part.path("image_url").asText());
        if (part.hasNonNull("detail")) url.put("detail", part.path("detail").asText());
      } else {
        chatPart.put("type", "text");
        chatPart.put("text", part.path("text").asText());
      }
    }
    return new ChatMessage("user", chatParts, null, null, null, null);
  }

  private static String outputText(JsonNode item) {
    JsonNode output = item.path("output");
    if (output.isTextual()) return output.textValue();
    StringBuilder text = new StringBuilder();
    for (JsonNode part : output) text.append(part.path("text").asText());
    return text.toString();
  }
}
