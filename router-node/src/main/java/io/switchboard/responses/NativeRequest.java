package io.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A {@code POST /v1/responses} body bound for an upstream's own Responses API
 * ({@code openai.responses-api = native}). Unlike {@link ResponsesRequest}, little is checked: the
 * upstream serves the whole API (built-in tools, {@code include}, reasoning summaries) and refuses what
 * it does not know. The gateway reads only what it keeps state for: {@code model}, {@code input},
 * {@code stream}, {@code store} and {@code previous_response_id}. Refused here, 400 naming the field:
 * {@code background: true} and {@code conversation}, both of which would keep the conversation at the
 * upstream rather than in the gateway's store.
 *
 * @param input this turn's items as stored: a string input is one user message; every item the gateway
 *     can name (messages, function calls and their outputs) has an {@code id}
 */
public record NativeRequest(ObjectNode body, String model, ArrayNode input, boolean stream, boolean store,
    String previousResponseId) {

  public static NativeRequest decode(JsonNode json, ResponseIds ids) {
    if (json == null || !json.isObject()) {
      throw ResponsesRequestException.invalid(null, "invalid_body", "The request body must be a JSON object.");
    }
    ObjectNode body = (ObjectNode) json;
    String model = ResponsesRequest.text(body, "model", true);
    if (body.path("background").asBoolean(false)) {
      throw ResponsesRequestException.unsupported("background",
          "background: true is not supported by this gateway; send the request without it and wait for the answer,"
              + " or stream it.");
    }
    if (body.hasNonNull("conversation")) {
      throw ResponsesRequestException.unsupported("conversation",
          "conversation is not supported by this gateway; continue a conversation with previous_response_id instead.");
    }
    JsonNode input = body.get("input");
    if (input == null || input.isNull()) {
      throw ResponsesRequestException.invalid("input", "missing_required_parameter",
          "Missing required parameter: 'input'.");
    }
    return new NativeRequest(body, model, stored(input, ids), ResponsesRequest.flag(body, "stream", false),
        ResponsesRequest.flag(body, "store", true), ResponsesRequest.text(body, "previous_response_id", false));
  }

  private static ArrayNode stored(JsonNode input, ResponseIds ids) {
    if (input.isTextual()) return InputItems.normalize(input, ids);
    if (!input.isArray()) throw ResponsesRequest.wrongType("input", "a string or an array of items");
    ArrayNode items = ResponsesRequest.array();
    for (int i = 0; i < input.size(); i++) {
      if (!input.get(i).isObject()) throw ResponsesRequest.wrongType("input[" + i + "]", "an object");
      ObjectNode item = ((ObjectNode) input.get(i)).deepCopy();
      if (!item.hasNonNull("id")) {
        switch (item.path("type").asText("message")) {
          case "message" -> item.put("id", ids.message());
          case "function_call" -> item.put("id", ids.functionCall());
          case "function_call_output" -> item.put("id", ids.functionCallOutput());
          default -> { /* an item type the gateway has no id form for: kept as sent */ }
        }
      }
      items.add(item);
    }
    return items;
  }

  /**
   * What the upstream is sent: the client's body with the conversation {@code history} (oldest first)
   * put before this turn's input, {@code previous_response_id} removed and {@code store: false}, so the
   * upstream keeps nothing. History items go without their ids, which name items the upstream never
   * stored, and without {@code reasoning} items, which it cannot read back unstored.
   */
  public ObjectNode upstreamBody(List<JsonNode> history) {
    ObjectNode upstream = body.deepCopy();
    upstream.remove("previous_response_id");
    upstream.put("store", false);
    if (history.isEmpty()) return upstream;
    ArrayNode input = upstream.putArray("input");
    for (JsonNode item : history) {
      if (!item.isObject() || item.path("type").asText().equals("reasoning")) continue;
      ObjectNode copy = ((ObjectNode) item).deepCopy();
      copy.remove("id");
      input.add(copy);
    }
    JsonNode turn = body.get("input");
    if (turn.isTextual()) {
      input.addObject().put("role", "user").put("content", turn.textValue());
    } else {
      turn.forEach(input::add);
    }
    return upstream;
  }

  /**
   * The Response as the client sees it: the gateway's {@code id} (under which it is stored), and the
   * client's own {@code previous_response_id} and {@code store}, which the upstream never saw.
   */
  public ObjectNode restamp(ObjectNode response, String id) {
    response.put("id", id);
    if (previousResponseId == null) response.putNull("previous_response_id");
    else response.put("previous_response_id", previousResponseId);
    response.put("store", store);
    return response;
  }

  /** The stored form of this turn's answer {@code response} (already {@link #restamp restamped}). */
  public StoredResponse toStore(String id, String owner, long createdAt, ObjectNode response) {
    return new StoredResponse(id, owner, createdAt, previousResponseId, input.toString(), response.toString());
  }
}
