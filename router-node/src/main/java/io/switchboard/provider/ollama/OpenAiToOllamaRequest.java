package io.switchboard.provider.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import io.switchboard.api.ollama.ChatMessage;
import io.switchboard.api.ollama.ChatRequest;
import io.switchboard.api.ollama.Options;
import io.switchboard.api.ollama.ToolCall;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.provider.UntranslatableRequestException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OpenAI chat completion request as an Ollama {@code /api/chat} request. A pure function.
 *
 * <ul>
 *   <li>Messages keep their roles (Ollama accepts several system messages where they stand);
 *       {@code developer} becomes {@code system}. Multi-part content is joined into the one string
 *       Ollama takes, with inline ({@code data:}) images moved to {@code images}; image URLs are refused
 *       because Ollama cannot fetch them. Tool calls carry their arguments as objects; a {@code tool}
 *       message names its function ({@code tool_name}), found through its {@code tool_call_id}.
 *   <li>Parameters go to {@code options}: {@code temperature}, {@code top_p}, {@code seed}, {@code stop},
 *       {@code presence_penalty}, {@code frequency_penalty}, the output limit as {@code num_predict},
 *       and {@code num_ctx} from the caller (the context window the catalog knows). A client may add
 *       any Ollama option in an {@code options} object of its own; those win.
 *   <li>{@code response_format} json_object → {@code format: "json"}; json_schema → {@code format}: the
 *       schema. {@code tools} are passed as they are (Ollama takes OpenAI's function shape);
 *       {@code keep_alive} too.
 *   <li>{@code stream} is always written: Ollama streams when it is left out.
 * </ul>
 */
public final class OpenAiToOllamaRequest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern DATA_URL = Pattern.compile("^data:[^;,]+;base64,(.*)$", Pattern.DOTALL);

  private OpenAiToOllamaRequest() {}

  /** @param numCtx the context window to ask Ollama for, or null for the model's default */
  public static ChatRequest translate(ChatCompletionRequest request, String upstreamModel, Integer numCtx) {
    if (request.n() != null && request.n() > 1) {
      throw new UntranslatableRequestException(
          "'n' = " + request.n() + " is not supported by Ollama models, which give one answer per request.", "n");
    }
    Map<String, String> toolNames = new HashMap<>();
    List<ChatMessage> messages = new ArrayList<>();
    for (int i = 0; i < request.messages().size(); i++) {
      io.switchboard.api.openai.ChatMessage m = request.messages().get(i);
      String param = "messages[" + i + "]";
      String role = "developer".equals(m.role()) ? "system" : m.role();
      List<String> images = new ArrayList<>();
      String content = content(m.content(), images, param);
      List<ToolCall> calls = null;
      if (m.toolCalls() != null && !m.toolCalls().isEmpty()) {
        calls = new ArrayList<>();
        for (int j = 0; j < m.toolCalls().size(); j++) {
          JsonNode call = m.toolCalls().get(j);
          String name = call.path("function").path("name").asText();
          toolNames.put(call.path("id").asText(), name);
          calls.add(ToolCall.of(name, arguments(call.path("function").path("arguments").asText(""),
              param + ".tool_calls[" + j + "].function.arguments")));
        }
      }
      String toolName = "tool".equals(role) ? toolNames.getOrDefault(m.toolCallId(), m.name()) : null;
      messages.add(new ChatMessage(role, content, null, images.isEmpty() ? null : images, calls, toolName, null));
    }

    Map<String, JsonNode> extra = request.extra();
    List<JsonNode> tools = null;
    if (extra.get("tools") instanceof com.fasterxml.jackson.databind.node.ArrayNode array && !array.isEmpty()) {
      tools = new ArrayList<>();
      array.forEach(tools::add);
    }
    return new ChatRequest(upstreamModel, messages, tools, format(extra.get("response_format")),
        options(request, numCtx), request.isStream(), extra.get("keep_alive"), null);
  }

  private static String content(JsonNode content, List<String> images, String param) {
    if (content == null || content.isNull()) return "";
    if (content.isTextual()) return content.textValue();
    StringBuilder text = new StringBuilder();
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      String type = part.path("type").asText();
      if ("text".equals(type)) {
        text.append(part.path("text").asText());
      } else if ("image_url".equals(type)) {
        Matcher data = DATA_URL.matcher(part.path("image_url").path("url").asText());
        if (!data.matches()) {
          throw new UntranslatableRequestException("Ollama models take images inline only: send '" + param
              + ".content[" + j + "]' as a data: URL with base64 content.", param + ".content[" + j + "]");
        }
        images.add(data.group(1));
      } else {
        throw new UntranslatableRequestException("Content part type '" + type
            + "' is not supported for Ollama models; send text or image_url parts.", param + ".content[" + j + "]");
      }
    }
    return text.toString();
  }

  private static JsonNode arguments(String arguments, String param) {
    try {
      JsonNode parsed = arguments.isBlank() ? NODES.objectNode() : MAPPER.readTree(arguments);
      if (parsed != null && parsed.isObject()) return parsed;
    } catch (java.io.IOException notJson) {
      // refused below
    }
    throw new UntranslatableRequestException(
        "'" + param + "' is not a JSON object; Ollama models need tool arguments as an object.", param);
  }

  private static JsonNode format(JsonNode responseFormat) {
    if (responseFormat == null) return null;
    return switch (responseFormat.path("type").asText("text")) {
      case "json_object" -> TextNode.valueOf("json");
      case "json_schema" -> {
        JsonNode schema = responseFormat.path("json_schema").path("schema");
        yield schema.isObject() ? schema : TextNode.valueOf("json");
      }
      default -> null;
    };
  }

  private static Options options(ChatCompletionRequest request, Integer numCtx) {
    Map<String, JsonNode> extra = request.extra();
    List<String> stop = null;
    if (request.stop() != null && !request.stop().isNull()) {
      stop = new ArrayList<>();
      if (request.stop().isTextual()) stop.add(request.stop().textValue());
      else for (JsonNode s : request.stop()) stop.add(s.asText());
    }
    Map<String, JsonNode> own = new LinkedHashMap<>();
    JsonNode clientOptions = extra.get("options");
    if (clientOptions != null && clientOptions.isObject()) clientOptions.fields().forEachRemaining(
        e -> own.put(e.getKey(), e.getValue()));
    Options mapped = new Options(request.temperature(), request.topP(), null, request.seed(), numCtx,
        request.outputTokenLimit(), stop, number(extra.get("presence_penalty")), number(extra.get("frequency_penalty")),
        null);
    if (own.isEmpty()) return isEmpty(mapped) ? null : mapped;
    // The client's own Ollama options win over what was mapped from OpenAI's parameters.
    com.fasterxml.jackson.databind.node.ObjectNode merged = MAPPER.valueToTree(mapped);
    own.forEach(merged::set);
    try {
      return MAPPER.treeToValue(merged, Options.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UntranslatableRequestException("'options' holds a value of the wrong type: " + e.getOriginalMessage(),
          "options");
    }
  }

  private static Double number(JsonNode value) {
    return value != null && value.isNumber() ? value.doubleValue() : null;
  }

  private static boolean isEmpty(Options o) {
    return o.temperature() == null && o.topP() == null && o.seed() == null && o.numCtx() == null
        && o.numPredict() == null && o.stop() == null && o.presencePenalty() == null && o.frequencyPenalty() == null;
  }
}
