package io.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The Response object in OpenAI's shape ({@code "object": "response"}), for one request: what the
 * request set is echoed (with OpenAI's defaults where it set nothing), the rest is the answer's.
 *
 * <pre>{@code
 * ObjectNode created = ResponseObject.of(id, now, request).status("in_progress").node();
 * ObjectNode done = ResponseObject.of(id, now, request).model(upstreamModel).output(items).usage(usage)
 *     .status("completed").node();
 * }</pre>
 */
public final class ResponseObject {
  private final ObjectNode node = ResponsesRequest.object();

  private ResponseObject() {}

  public static ResponseObject of(String id, long createdAt, ResponsesRequest request) {
    ResponseObject response = new ResponseObject();
    ObjectNode n = response.node;
    n.put("id", id);
    n.put("object", "response");
    n.put("created_at", createdAt);
    n.put("status", "in_progress");
    n.put("background", false);
    n.set("error", NullNode.instance);
    n.set("incomplete_details", NullNode.instance);
    n.put("instructions", request.instructions());
    n.set("max_output_tokens", orNull(request.field("max_output_tokens")));
    n.put("model", request.model());
    n.putArray("output");
    n.put("parallel_tool_calls", request.field("parallel_tool_calls") == null
        || request.field("parallel_tool_calls").asBoolean());
    n.put("previous_response_id", request.previousResponseId());
    ObjectNode reasoning = n.putObject("reasoning");
    reasoning.set("effort", orNull(request.body().path("reasoning").get("effort")));
    reasoning.set("summary", NullNode.instance);
    n.put("service_tier", request.field("service_tier") == null ? "auto" : request.field("service_tier").asText());
    n.put("store", request.store());
    n.put("temperature", request.field("temperature") == null ? 1.0 : request.field("temperature").doubleValue());
    ObjectNode text = n.putObject("text");
    JsonNode format = request.body().path("text").get("format");
    if (format == null || format.isNull()) {
      text.putObject("format").put("type", "text");
    } else {
      text.set("format", format);
    }
    n.set("tool_choice", request.field("tool_choice") == null ? n.textNode("auto") : request.field("tool_choice"));
    n.set("tools", request.field("tools") == null ? ResponsesRequest.array() : request.field("tools"));
    n.put("top_p", request.field("top_p") == null ? 1.0 : request.field("top_p").doubleValue());
    n.put("truncation", "disabled");
    n.set("usage", NullNode.instance);
    n.set("user", orNull(request.field("user")));
    n.set("metadata", request.field("metadata") == null ? ResponsesRequest.object() : request.field("metadata"));
    return response;
  }

  public ResponseObject status(String status) {
    node.put("status", status);
    return this;
  }

  /** The model that answered, as the upstream named it; when it named none, the requested one stays. */
  public ResponseObject model(String model) {
    if (model != null && !model.isEmpty()) node.put("model", model);
    return this;
  }

  public ResponseObject output(ArrayNode items) {
    node.set("output", items);
    return this;
  }

  public ResponseObject usage(JsonNode usage) {
    node.set("usage", orNull(usage));
    return this;
  }

  /** Ends the response as {@code incomplete}, for {@code reason} (max_output_tokens, content_filter). */
  public ResponseObject incomplete(String reason) {
    node.put("status", "incomplete");
    node.putObject("incomplete_details").put("reason", reason);
    return this;
  }

  public ResponseObject failed(String code, String message) {
    node.put("status", "failed");
    ObjectNode error = node.putObject("error");
    error.put("code", code);
    error.put("message", message);
    return this;
  }

  public ObjectNode node() {
    return node;
  }

  /**
   * A chat completion's {@code usage} in the Responses shape; null when there is none.
   */
  public static ObjectNode usageOf(JsonNode chatUsage) {
    if (chatUsage == null || !chatUsage.isObject()) return null;
    ObjectNode usage = ResponsesRequest.object();
    int input = chatUsage.path("prompt_tokens").asInt();
    int output = chatUsage.path("completion_tokens").asInt();
    usage.put("input_tokens", input);
    JsonNode promptDetails = chatUsage.path("prompt_tokens_details");
    usage.putObject("input_tokens_details")
        .put("cached_tokens", promptDetails.path("cached_tokens").asInt(0))
        .put("cache_write_tokens", promptDetails.path("cache_write_tokens").asInt(0));
    usage.put("output_tokens", output);
    usage.putObject("output_tokens_details")
        .put("reasoning_tokens", chatUsage.path("completion_tokens_details").path("reasoning_tokens").asInt(0));
    usage.put("total_tokens", chatUsage.path("total_tokens").asInt(input + output));
    return usage;
  }

  /** The Response's status for a chat {@code finish_reason}: incomplete when the answer was cut. */
  static String incompleteReason(String finishReason) {
    if ("length".equals(finishReason)) return "max_output_tokens";
    if ("content_filter".equals(finishReason)) return "content_filter";
    return null;
  }

  private static JsonNode orNull(JsonNode value) {
    return value == null ? NullNode.instance : value;
  }
}
