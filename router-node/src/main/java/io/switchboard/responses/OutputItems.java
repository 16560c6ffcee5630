package io.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Output items in OpenAI's shapes: an assistant {@code message} with {@code output_text} (or
 * {@code refusal}) content, and one {@code function_call} item per tool call, in that order.
 */
final class OutputItems {
  private OutputItems() {}

  static ObjectNode message(String id, String status, String text, String refusal) {
    ObjectNode message = ResponsesRequest.object();
    message.put("id", id);
    message.put("type", "message");
    message.put("status", status);
    message.put("role", "assistant");
    ArrayNode content = message.putArray("content");
    if (text != null) content.add(textPart(text));
    if (refusal != null) content.addObject().put("type", "refusal").put("refusal", refusal);
    return message;
  }

  static ObjectNode textPart(String text) {
    ObjectNode part = ResponsesRequest.object();
    part.put("type", "output_text");
    part.put("text", text);
    part.putArray("annotations");
    part.putArray("logprobs");
    return part;
  }

  static ObjectNode functionCall(String id, String status, String callId, String name, String arguments) {
    ObjectNode call = ResponsesRequest.object();
    call.put("id", id);
    call.put("type", "function_call");
    call.put("status", status);
    call.put("call_id", callId);
    call.put("name", name);
    call.put("arguments", arguments);
    return call;
  }

  /** A whole chat completion's first choice as output items. */
  static ArrayNode fromChatMessage(JsonNode message, ResponseIds ids) {
    ArrayNode items = ResponsesRequest.array();
    String text = message.path("content").isTextual() ? message.path("content").textValue() : null;
    String refusal = message.path("refusal").isTextual() ? message.path("refusal").textValue() : null;
    if ((text != null && !text.isEmpty()) || refusal != null) {
      items.add(message(ids.message(), "completed", text, refusal));
    }
    for (JsonNode call : message.path("tool_calls")) {
      JsonNode function = call.path("function");
      items.add(functionCall(ids.functionCall(), "completed", call.path("id").asText(),
          function.path("name").asText(), function.path("arguments").asText("")));
    }
    return items;
  }
}
