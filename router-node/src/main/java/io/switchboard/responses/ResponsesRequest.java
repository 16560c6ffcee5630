package io.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * A {@code POST /v1/responses} body, checked once: every field is either served, echoed, or refused
 * with 400 naming it, so a client never believes a setting applied when it did not.
 *
 * <p>What is served: {@code model}, {@code input} (a string, or items: messages with text and image
 * parts, {@code function_call}, {@code function_call_output}; {@code reasoning} items are accepted
 * and dropped), {@code instructions}, function {@code tools}, {@code tool_choice}, {@code text.format}
 * ({@code text}, {@code json_object}, {@code json_schema}), {@code max_output_tokens},
 * {@code temperature}, {@code top_p}, {@code metadata}, {@code store}, {@code previous_response_id},
 * {@code stream}, {@code parallel_tool_calls}, {@code user}, {@code reasoning.effort},
 * {@code service_tier}, {@code safety_identifier}, {@code prompt_cache_key}, {@code truncation:
 * "disabled"}, {@code stream_options} (ignored). Refused: built-in tools (web search, file search,
 * computer use, code interpreter, MCP, ...), {@code background: true}, any {@code include} value,
 * {@code reasoning.summary}, {@code truncation: "auto"}, {@code top_logprobs}, {@code max_tool_calls},
 * {@code prompt}, {@code conversation}, {@code text.verbosity}, and any field OpenAI does not define.
 *
 * @param input this turn's items, normalized: a string input is one user message, every message's
 *     content is an array of parts, and every item has an {@code id}
 */
public record ResponsesRequest(ObjectNode body, String model, ArrayNode input, String instructions, boolean stream,
    boolean store, String previousResponseId) {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Fields served or echoed as they are; the rest of {@link #KNOWN} are checked one by one below. */
  private static final Set<String> KNOWN = Set.of("model", "input", "instructions", "tools", "tool_choice", "text",
      "max_output_tokens", "temperature", "top_p", "metadata", "store", "previous_response_id", "stream",
      "parallel_tool_calls", "user", "background", "include", "reasoning", "truncation", "service_tier",
      "stream_options", "safety_identifier", "prompt_cache_key", "top_logprobs", "max_tool_calls", "prompt",
      "conversation", "prompt_cache_retention");

  /** Checks and normalizes {@code body}; refuses with 400 naming the first field it cannot serve. */
  public static ResponsesRequest decode(JsonNode body, ResponseIds ids) {
    if (body == null || !body.isObject()) {
      throw ResponsesRequestException.invalid(null, "invalid_body", "The request body must be a JSON object.");
    }
    ObjectNode request = (ObjectNode) body;
    for (Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!KNOWN.contains(name)) {
        throw ResponsesRequestException.invalid(name, "unknown_parameter", "Unknown parameter: '" + name + "'.");
      }
    }
    String model = text(request, "model", true);
    refusals(request);
    checkTypes(request);
    JsonNode rawInput = request.get("input");
    if (rawInput == null || rawInput.isNull()) {
      throw ResponsesRequestException.invalid("input", "missing_required_parameter",
          "Missing required parameter: 'input'.");
    }
    ArrayNode input = InputItems.normalize(rawInput, ids);
    String instructions = text(request, "instructions", false);
    ResponsesTools.check(request);
    return new ResponsesRequest(request, model, input, instructions, flag(request, "stream", false),
        flag(request, "store", true), text(request, "previous_response_id", false));
  }

  /** The value of a field the Response object echoes, or null. */
  public JsonNode field(String name) {
    JsonNode value = body.get(name);
    return value == null || value.isNull() ? null : value;
  }

  private static void refusals(ObjectNode request) {
    if (request.path("background").asBoolean(false)) {
      throw ResponsesRequestException.unsupported("background",
          "background: true is not supported by this gateway; send the request without it and wait for the answer,"
              + " or stream it.");
    }
    JsonNode include = request.get("include");
    if (include != null && !include.isNull() && (!include.isArray() || !include.isEmpty())) {
      String first = include.isArray() ? include.get(0).asText() : include.toString();
      throw ResponsesRequestException.unsupported("include",
          "include value '" + first + "' is not supported by this gateway; leave include out.");
    }
    JsonNode reasoning = request.get("reasoning");
    if (reasoning != null && !reasoning.isNull()) {
      if (!reasoning.isObject()) throw wrongType("reasoning", "an object");
      for (Iterator<Map.Entry<String, JsonNode>> it = reasoning.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getKey().equals("effort") && !e.getValue().isNull()) {
          throw ResponsesRequestException.unsupported("reasoning." + e.getKey(),
              "reasoning." + e.getKey() + " is not supported by this gateway; only reasoning.effort is passed on.");
        }
      }
    }
    JsonNode truncation = request.get("truncation");
    if (truncation != null && !truncation.isNull() && !truncation.asText().equals("disabled")) {
      throw ResponsesRequestException.unsupported("truncation",
          "truncation '" + truncation.asText() + "' is not supported; the gateway serves truncation: \"disabled\""
              + " (a request too long for the model's context window is refused with 400).");
    }
    for (String refused : new String[] {"top_logprobs", "max_tool_calls", "prompt", "conversation",
        "prompt_cache_retention"}) {
      JsonNode value = request.get(refused);
      if (value != null && !value.isNull()) {
        throw ResponsesRequestException.unsupported(refused, refused + " is not supported by this gateway;"
            + (refused.equals("conversation") ? " continue a conversation with previous_response_id instead."
                : " send the request without it."));
      }
    }
    JsonNode text = request.get("text");
    if (text != null && !text.isNull()) {
      if (!text.isObject()) throw wrongType("text", "an object");
      for (Iterator<String> names = text.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!name.equals("format") && !text.get(name).isNull()) {
          throw ResponsesRequestException.unsupported("text." + name,
              "text." + name + " is not supported by this gateway; only text.format is.");
        }
      }
    }
  }

  private static void checkTypes(ObjectNode request) {
    number(request, "temperature");
    number(request, "top_p");
    JsonNode max = request.get("max_output_tokens");
    if (max != null && !max.isNull() && (!max.canConvertToInt() || !max.isIntegralNumber() || max.intValue() < 1)) {
      throw ResponsesRequestException.invalid("max_output_tokens", "invalid_value",
          "max_output_tokens must be a positive integer.");
    }
    JsonNode metadata = request.get("metadata");
    if (metadata != null && !metadata.isNull()) {
      if (!metadata.isObject()) throw wrongType("metadata", "an object of strings");
      if (metadata.size() > 16) {
        throw ResponsesRequestException.invalid("metadata", "invalid_value", "metadata holds at most 16 pairs.");
      }
      metadata.fields().forEachRemaining(e -> {
        if (!e.getValue().isTextual()) throw wrongType("metadata." + e.getKey(), "a string");
      });
    }
    flag(request, "parallel_tool_calls", true);
    text(request, "user", false);
    text(request, "service_tier", false);
    text(request, "safety_identifier", false);
    text(request, "prompt_cache_key", false);
  }

  static String text(ObjectNode request, String name, boolean required) {
    JsonNode value = request.get(name);
    if (value == null || value.isNull()) {
      if (required) {
        throw ResponsesRequestException.invalid(name, "missing_required_parameter",
            "Missing required parameter: '" + name + "'.");
      }
      return null;
    }
    if (!value.isTextual()) throw wrongType(name, "a string");
    return value.textValue();
  }

  static boolean flag(ObjectNode request, String name, boolean fallback) {
    JsonNode value = request.get(name);
    if (value == null || value.isNull()) return fallback;
    if (!value.isBoolean()) throw wrongType(name, "a boolean");
    return value.booleanValue();
  }

  private static void number(ObjectNode request, String name) {
    JsonNode value = request.get(name);
    if (value != null && !value.isNull() && !value.isNumber()) throw wrongType(name, "a number");
  }

  static ResponsesRequestException wrongType(String param, String expected) {
    return ResponsesRequestException.invalid(param, "invalid_type",
        "Invalid type for '" + param + "': expected " + expected + ".");
  }

  /** An empty object node, for builders in this package. */
  static ObjectNode object() {
    return NODES.objectNode();
  }

  static ArrayNode array() {
    return NODES.arrayNode();
  }
}
