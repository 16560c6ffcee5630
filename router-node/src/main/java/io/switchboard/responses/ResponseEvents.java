package io.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One streamed chat completion, chunk by chunk, as the Responses API's events, in the order OpenAI
 * documents: {@code response.created}, {@code response.in_progress}; per output item
 * {@code response.output_item.added}, for a message {@code response.content_part.added},
 * {@code response.output_text.delta}..., {@code response.output_text.done},
 * {@code response.content_part.done}, for a function call
 * {@code response.function_call_arguments.delta}..., {@code response.function_call_arguments.done};
 * then {@code response.output_item.done}; and last {@code response.completed} (or
 * {@code response.incomplete} when the answer was cut at its token limit). A failure ends the stream
 * with {@code error} and {@code response.failed}. Every event carries its {@code sequence_number},
 * from 0.
 *
 * <p>One instance per stream; not thread-safe (a stream's elements arrive one at a time).
 */
public final class ResponseEvents {
  /** One server-sent event: its {@code event:} name and its data (whose {@code type} is the name). */
  public record Event(String name, ObjectNode data) {}

  private final String id;
  private final long createdAt;
  private final ResponsesRequest request;
  private final ResponseIds ids;
  private int sequence;
  private int nextOutputIndex;
  private final TreeMap<Integer, ObjectNode> done = new TreeMap<>();
  private OpenMessage message;
  private final Map<Integer, OpenCall> calls = new LinkedHashMap<>();
  private String model;
  private String finishReason;
  private JsonNode usage;
  private ObjectNode finalResponse;
  /** Completed or failed: whatever an upstream sends after that is not part of this response. */
  private boolean ended;

  private static final class OpenMessage {
    final String id;
    final int outputIndex;
    final StringBuilder text = new StringBuilder();

    OpenMessage(String id, int outputIndex) {
      this.id = id;
      this.outputIndex = outputIndex;
    }
  }

  private static final class OpenCall {
    final String id;
    final int outputIndex;
    final String callId;
    final String name;
    final StringBuilder arguments = new StringBuilder();

    OpenCall(String id, int outputIndex, String callId, String name) {
      this.id = id;
      this.outputIndex = outputIndex;
      this.callId = callId;
      this.name = name;
    }
  }

  public ResponseEvents(String id, long createdAt, ResponsesRequest request, ResponseIds ids) {
    this.id = id;
    this.createdAt = createdAt;
    this.request = request;
    this.ids = ids;
  }

  /** The two events every stream begins with. */
  public List<Event> start() {
    List<ObjectNode> events = new ArrayList<>(2);
    ObjectNode created = ResponseObject.of(id, createdAt, request).node();
    events.add(event("response.created").set("response", created));
    events.add(event("response.in_progress").set("response", created.deepCopy()));
    return wrapNodes(events);
  }

  /** The events one chat completion chunk makes (often one, sometimes none). */
  public List<Event> next(JsonNode chunk) {
    if (ended) return List.of();
    List<ObjectNode> events = new ArrayList<>();
    if (chunk.hasNonNull("model")) model = chunk.get("model").asText();
    if (chunk.hasNonNull("usage") && chunk.get("usage").isObject()) usage = chunk.get("usage");
    JsonNode choice = chunk.path("choices").path(0);
    JsonNode delta = choice.path("delta");
    String content = delta.path("content").isTextual() ? delta.path("content").textValue() : "";
    if (!content.isEmpty()) {
      if (message == null) openMessage(events);
      message.text.append(content);
      events.add(textEvent("response.output_text.delta").put("delta", content));
    }
    for (JsonNode toolCall : delta.path("tool_calls")) {
      int index = toolCall.path("index").asInt();
      OpenCall call = calls.get(index);
      if (call == null) {
        if (message != null) closeMessage(events);
        JsonNode function = toolCall.path("function");
        call = new OpenCall(ids.functionCall(), nextOutputIndex++, toolCall.path("id").asText(),
            function.path("name").asText());
        calls.put(index, call);
        events.add(event("response.output_item.added").put("output_index", call.outputIndex)
            .set("item", OutputItems.functionCall(call.id, "in_progress", call.callId, call.name, "")));
      }
      String arguments = toolCall.path("function").path("arguments").asText("");
      if (!arguments.isEmpty()) {
        call.arguments.append(arguments);
        events.add(event("response.function_call_arguments.delta").put("item_id", call.id)
            .put("output_index", call.outputIndex).put("delta", arguments));
      }
    }
    if (choice.hasNonNull("finish_reason")) finishReason = choice.get("finish_reason").asText();
    return wrapNodes(events);
  }

  /** The stream ended as it should: open items close, then {@code response.completed} (or incomplete). */
  public List<Event> finish() {
    if (ended) return List.of();
    ended = true;
    List<ObjectNode> events = new ArrayList<>();
    if (message != null) closeMessage(events);
    for (OpenCall call : calls.values()) {
      String arguments = call.arguments.toString();
      events.add(event("response.function_call_arguments.done").put("item_id", call.id)
          .put("output_index", call.outputIndex).put("name", call.name).put("arguments", arguments));
      ObjectNode item = OutputItems.functionCall(call.id, "completed", call.callId, call.name, arguments);
      done.put(call.outputIndex, item);
      events.add(event("response.output_item.done").put("output_index", call.outputIndex).set("item", item));
    }
    calls.clear();
    ArrayNode output = ResponsesRequest.array();
    done.values().forEach(output::add);
    ResponseObject response = ResponseObject.of(id, createdAt, request).model(model).output(output)
        .usage(ResponseObject.usageOf(usage)).status("completed");
    String incomplete = ResponseObject.incompleteReason(finishReason);
    if (incomplete != null) response.incomplete(incomplete);
    finalResponse = response.node();
    events.add(event(incomplete != null ? "response.incomplete" : "response.completed")
        .set("response", finalResponse.deepCopy()));
    return wrapNodes(events);
  }

  /** The stream failed: OpenAI's {@code error} event, then {@code response.failed}. */
  public List<Event> fail(String code, String message) {
    if (ended) return List.of();
    ended = true;
    List<ObjectNode> events = new ArrayList<>();
    ObjectNode error = event("error");
    error.put("code", code);
    error.put("message", message);
    error.putNull("param");
    events.add(error);
    ArrayNode output = ResponsesRequest.array();
    done.values().forEach(output::add);
    events.add(event("response.failed").set("response",
        ResponseObject.of(id, createdAt, request).model(model).output(output).failed(code, message).node()));
    return wrapNodes(events);
  }

  /** The Response as it completed; null until {@link #finish()} ran. */
  public ObjectNode finalResponse() {
    return finalResponse;
  }

  private void openMessage(List<ObjectNode> events) {
    message = new OpenMessage(ids.message(), nextOutputIndex++);
    events.add(event("response.output_item.added").put("output_index", message.outputIndex)
        .set("item", OutputItems.message(message.id, "in_progress", null, null)));
    events.add(partEvent("response.content_part.added").set("part", OutputItems.textPart("")));
  }

  private void closeMessage(List<ObjectNode> events) {
    String text = message.text.toString();
    events.add(textEvent("response.output_text.done").put("text", text));
    events.add(partEvent("response.content_part.done").set("part", OutputItems.textPart(text)));
    ObjectNode item = OutputItems.message(message.id, "completed", text, null);
    done.put(message.outputIndex, item);
    events.add(event("response.output_item.done").put("output_index", message.outputIndex).set("item", item));
    message = null;
  }

  private ObjectNode partEvent(String type) {
    return event(type).put("item_id", message.id).put("output_index", message.outputIndex).put("content_index", 0);
  }

  private ObjectNode textEvent(String type) {
    ObjectNode event = partEvent(type);
    event.putArray("logprobs");
    return event;
  }

  /** An event's data with its type; its sequence number is set when it is emitted, in order. */
  private static ObjectNode event(String type) {
    ObjectNode event = ResponsesRequest.object();
    event.put("type", type);
    return event;
  }

  private List<Event> wrapNodes(List<ObjectNode> nodes) {
    List<Event> events = new ArrayList<>(nodes.size());
    for (ObjectNode data : nodes) {
      data.put("sequence_number", sequence++);
      events.add(new Event(data.get("type").asText(), data));
    }
    return events;
  }
}
