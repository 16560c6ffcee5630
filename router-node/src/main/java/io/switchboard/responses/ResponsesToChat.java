package io.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.ChatMessage;
import io.switchboard.api.openai.StreamOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Responses request as the chat completion request the pipeline serves: {@code instructions} as the
 * first system message, then the conversation so far ({@code previous_response_id}'s chain, oldest
 * first) and this turn's input; {@code max_output_tokens} as {@code max_completion_tokens}; a stream
 * always asks for the usage chunk, which the Response's {@code usage} needs. {@code metadata},
 * {@code store} and {@code previous_response_id} stay with the gateway.
 */
public final class ResponsesToChat {
  private ResponsesToChat() {}

  /** @param history the items of the responses this one continues, oldest first (empty for a first turn) */
  public static ChatCompletionRequest translate(ResponsesRequest request, List<JsonNode> history) {
    List<ChatMessage> messages = new ArrayList<>();
    if (request.instructions() != null) messages.add(ChatMessage.of("system", request.instructions()));
    List<JsonNode> items = new ArrayList<>(history);
    request.input().forEach(items::add);
    messages.addAll(InputItems.toChat(items));
    Map<String, JsonNode> extra = new LinkedHashMap<>();
    ResponsesTools.toChat(request, extra);
    for (String passed : new String[] {"service_tier", "safety_identifier", "prompt_cache_key"}) {
      JsonNode value = request.field(passed);
      if (value != null) extra.put(passed, value);
    }
    JsonNode max = request.field("max_output_tokens");
    JsonNode temperature = request.field("temperature");
    JsonNode topP = request.field("top_p");
    JsonNode user = request.field("user");
    return new ChatCompletionRequest(request.model(), messages, request.stream() ? true : null,
        request.stream() ? new StreamOptions(true, null) : null, null, max == null ? null : max.intValue(),
        temperature == null ? null : temperature.doubleValue(), topP == null ? null : topP.doubleValue(), null, null,
        null, user == null ? null : user.textValue(), extra);
  }
}
