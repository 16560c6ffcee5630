package io.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Map;
import java.util.Set;

/**
 * What a Responses request says about tools and output format, in chat's terms: function tools
 * ({@code {"type":"function","name",...}} becomes {@code {"type":"function","function":{...}}}),
 * {@code tool_choice}, and {@code text.format} as {@code response_format}. Built-in tools are refused:
 * no upstream behind a chat translation can run them.
 */
final class ResponsesTools {
  private static final Set<String> CHOICES = Set.of("auto", "none", "required");

  private ResponsesTools() {}

  /** Refuses what cannot be translated; called once when the request is decoded. */
  static void check(ObjectNode request) {
    JsonNode tools = request.get("tools");
    if (tools != null && !tools.isNull()) {
      if (!tools.isArray()) throw ResponsesRequest.wrongType("tools", "an array");
      for (int i = 0; i < tools.size(); i++) {
        JsonNode tool = tools.get(i);
        String type = tool.path("type").asText();
        if (!type.equals("function")) {
          throw ResponsesRequestException.unsupported("tools[" + i + "].type", "Tools of type '" + type
              + "' (built-in tools such as web_search, file_search, computer_use, code_interpreter, mcp) are not"
              + " supported by this gateway; only function tools are.");
        }
        if (!tool.path("name").isTextual()) throw ResponsesRequest.wrongType("tools[" + i + "].name", "a string");
      }
    }
    JsonNode choice = request.get("tool_choice");
    if (choice != null && !choice.isNull()) {
      boolean served = choice.isTextual() ? CHOICES.contains(choice.textValue())
          : choice.path("type").asText().equals("function") && choice.path("name").isTextual();
      if (!served) {
        throw ResponsesRequestException.unsupported("tool_choice",
            "tool_choice must be auto, none, required, or {\"type\":\"function\",\"name\":...}; hosted tools and"
                + " allowed_tools are not supported by this gateway.");
      }
    }
    JsonNode format = request.path("text").get("format");
    if (format != null && !format.isNull()) {
      String type = format.path("type").asText();
      switch (type) {
        case "text", "json_object" -> { }
        case "json_schema" -> {
          if (!format.path("name").isTextual()) throw ResponsesRequest.wrongType("text.format.name", "a string");
          if (!format.path("schema").isObject()) throw ResponsesRequest.wrongType("text.format.schema", "an object");
        }
        default -> throw ResponsesRequestException.invalid("text.format.type", "invalid_value",
            "text.format.type must be text, json_object or json_schema.");
      }
    }
  }

  /** The chat request's fields for the tools, tool choice and response format the request set. */
  static void toChat(ResponsesRequest request, Map<String, JsonNode> extra) {
    JsonNode tools = request.field("tools");
    boolean anyTools = tools != null && !tools.isEmpty();
    if (anyTools) {
      ArrayNode chatTools = ResponsesRequest.array();
      for (JsonNode tool : tools) {
        ObjectNode chatTool = chatTools.addObject();
        chatTool.put("type", "function");
        ObjectNode function = chatTool.putObject("function");
        function.set("name", tool.get("name"));
        for (String field : new String[] {"description", "parameters", "strict"}) {
          if (tool.hasNonNull(field)) function.set(field, tool.get(field));
        }
      }
      extra.put("tools", chatTools);
      JsonNode parallel = request.field("parallel_tool_calls");
      if (parallel != null) extra.put("parallel_tool_calls", parallel);
    }
    JsonNode choice = request.field("tool_choice");
    if (choice != null && anyTools) {
      if (choice.isTextual()) {
        extra.put("tool_choice", choice);
      } else {
        ObjectNode named = ResponsesRequest.object();
        named.put("type", "function");
        named.putObject("function").set("name", choice.get("name"));
        extra.put("tool_choice", named);
      }
    }
    JsonNode format = request.body().path("text").get("format");
    if (format != null && !format.isNull()) {
      String type = format.path("type").asText();
      if (type.equals("json_object")) {
        extra.put("response_format", ResponsesRequest.object().put("type", "json_object"));
      } else if (type.equals("json_schema")) {
        ObjectNode responseFormat = ResponsesRequest.object().put("type", "json_schema");
        ObjectNode schema = responseFormat.putObject("json_schema");
        for (String field : new String[] {"name", "description", "schema", "strict"}) {
          if (format.hasNonNull(field)) schema.set(field, format.get(field));
        }
        extra.put("response_format", responseFormat);
      }
    }
    JsonNode effort = request.body().path("reasoning").get("effort");
    if (effort != null && !effort.isNull()) extra.put("reasoning_effort", TextNode.valueOf(effort.asText()));
  }
}
