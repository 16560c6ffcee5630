package io.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A whole chat completion (JSON) as the Response object answering {@code request}. */
public final class ChatToResponse {
  private ChatToResponse() {}

  public static ObjectNode translate(JsonNode completion, String id, long createdAt, ResponsesRequest request,
      ResponseIds ids) {
    JsonNode choice = completion.path("choices").path(0);
    ResponseObject response = ResponseObject.of(id, createdAt, request)
        .model(completion.path("model").asText(null))
        .output(OutputItems.fromChatMessage(choice.path("message"), ids))
        .usage(ResponseObject.usageOf(completion.get("usage")))
        .status("completed");
    String incomplete = ResponseObject.incompleteReason(choice.path("finish_reason").asText(null));
    if (incomplete != null) response.incomplete(incomplete);
    return response.node();
  }
}
