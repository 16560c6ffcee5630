package io.switchboard.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.api.anthropic.ContentBlock;
import io.switchboard.api.anthropic.MessageParam;
import io.switchboard.api.anthropic.MessagesRequest;
import io.switchboard.api.anthropic.Tool;
import io.switchboard.api.anthropic.ToolChoice;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.ChatMessage;
import io.switchboard.provider.UntranslatableRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OpenAI chat completion request as an Anthropic Messages request. A pure function.
 *
 * <ul>
 *   <li><b>System</b>: every {@code system} and {@code developer} message, wherever it stands, becomes
 *       one text block of the top-level {@code system}, in order (Anthropic has no system turns).
 *   <li><b>Turns</b>: Anthropic wants user and assistant turns to alternate, so consecutive turns of one
 *       role are merged into one turn with all their blocks. {@code tool} messages become
 *       {@code tool_result} blocks of a user turn; an assistant's {@code tool_calls} become
 *       {@code tool_use} blocks (arguments parsed: Anthropic wants an object, not a string).
 *   <li><b>Tools</b>: {@code tool_choice} auto/none/required/named function become
 *       {@code auto}/{@code none}/{@code any}/{@code tool}; {@code parallel_tool_calls: false} becomes
 *       {@code disable_parallel_tool_use}.
 *   <li><b>JSON mode</b> ({@code response_format}): Anthropic has no JSON switch. {@code json_schema}
 *       becomes a forced tool whose {@code input_schema} is the schema, the way Anthropic's tool-use
 *       documentation recommends for JSON output; the answer's call to that tool is turned back into
 *       plain content ({@link Translated#jsonTool()}). {@code json_object} has no schema to force, so
 *       it becomes an instruction appended to the system prompt.
 *   <li><b>Parameters</b>: {@code stop} → {@code stop_sequences}; {@code max_completion_tokens} or
 *       {@code max_tokens}, else the caller's default (Anthropic requires one); {@code temperature}
 *       clamped to Anthropic's 0..1 (OpenAI allows up to 2); {@code top_p}; {@code user} →
 *       {@code metadata.user_id}. Parameters Anthropic lacks ({@code seed}, penalties, logprobs,
 *       {@code response_format: text}) are dropped; {@code n} above 1 is refused.
 * </ul>
 */
public final class OpenAiToAnthropicRequest {
  /** Appended to the system prompt for {@code response_format: json_object}. */
  public static final String JSON_OBJECT_INSTRUCTION =
      "Respond with a single valid JSON object and nothing else: no prose before or after it, no code fences.";
  /** Tool name used for a {@code json_schema} without a name. */
  public static final String DEFAULT_JSON_TOOL = "json_response";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern DATA_URL = Pattern.compile("^data:([^;,]+);base64,(.*)$", Pattern.DOTALL);

  /** The Anthropic request, and the name of the tool standing in for a JSON schema, if one does. */
  public record Translated(MessagesRequest request, Optional<String> jsonTool) {}

  private OpenAiToAnthropicRequest() {}

  /**
   * @param defaultMaxTokens the output limit when the client set none: the deployment's
   *     {@code max-output-tokens} from the catalog (Anthropic requires {@code max_tokens})
   * @throws UntranslatableRequestException when the request cannot be expressed for Anthropic
   */
  public static Translated translate(ChatCompletionRequest request, String upstreamModel, int defaultMaxTokens) {
    if (request.n() != null && request.n() > 1) {
      throw new UntranslatableRequestException(
          "'n' = " + request.n() + " is not supported by Anthropic models, which give one answer per request.", "n");
    }
    List<ContentBlock> system = new ArrayList<>();
    List<Turn> turns = new ArrayList<>();
    List<ChatMessage> messages = request.messages();
    for (int i = 0; i < messages.size(); i++) {
      ChatMessage m = messages.get(i);
      String param = "messages[" + i + "]";
      switch (m.role()) {
        case "system", "developer" -> {
          String text = m.textContent();
          if (!text.isEmpty()) system.add(ContentBlock.text(text));
        }
        case "user" -> add(turns, MessageParam.USER, userBlocks(m.content(), param), m.content());
        case "assistant" -> add(turns, MessageParam.ASSISTANT, assistantBlocks(m, param), null);
        case "tool" -> add(turns, MessageParam.USER,
            List.of(ContentBlock.toolResult(m.toolCallId(), ContentBlock.plain(m.textContent()), null)), null);
        default -> throw new UntranslatableRequestException("Role '" + m.role() + "' of '" + param
            + "' is not supported for Anthropic models; use 'tool' messages for function results.", param + ".role");
      }
    }
    if (turns.isEmpty()) {
      throw new UntranslatableRequestException(
          "Anthropic models need at least one user or assistant message besides the system prompt.", "messages");
    }

    List<Tool> tools = tools(request.extra().get("tools"));
    ToolChoice toolChoice = toolChoice(request.extra().get("tool_choice"), request.extra().get("parallel_tool_calls"));
    Optional<String> jsonTool = Optional.empty();
    JsonNode format = request.extra().get("response_format");
    String formatType = format == null ? "text" : format.path("type").asText("text");
    if ("json_object".equals(formatType)) {
      system.add(ContentBlock.text(JSON_OBJECT_INSTRUCTION));
    } else if ("json_schema".equals(formatType)) {
      if (tools != null) {
        throw new UntranslatableRequestException("response_format json_schema together with tools is not supported"
            + " for Anthropic models: the schema is enforced through a tool call of its own.", "response_format");
      }
      JsonNode spec = format.path("json_schema");
      String name = spec.path("name").asText(DEFAULT_JSON_TOOL);
      JsonNode schema = spec.path("schema").isObject() ? spec.get("schema") : emptySchema();
      String description = spec.path("description").asText(
          "Give the answer as this tool's input; it is the required JSON output.");
      tools = List.of(Tool.of(name, description, schema));
      toolChoice = ToolChoice.of(ToolChoice.TOOL, name, null);
      jsonTool = Optional.of(name);
    }

    ObjectNode metadata = null;
    if (request.user() != null) {
      metadata = NODES.objectNode();
      metadata.put("user_id", request.user());
    }
    Integer maxTokens = request.outputTokenLimit() != null ? request.outputTokenLimit() : defaultMaxTokens;
    Double temperature = request.temperature() == null ? null : Math.min(1.0, request.temperature());
    MessagesRequest body = new MessagesRequest(
        upstreamModel,
        turns.stream().map(Turn::toParam).toList(),
        system.isEmpty() ? null : ContentBlock.toTree(system),
        maxTokens,
        metadata,
        stopSequences(request.stop()),
        request.isStream() ? Boolean.TRUE : null,
        temperature,
        request.topP(),
        null,
        tools,
        toolChoice,
        null);
    return new Translated(body, jsonTool);
  }

  /** One turn being built; {@code plain} keeps a lone string content a string. */
  private static final class Turn {
    final String role;
    final List<ContentBlock> blocks = new ArrayList<>();
    JsonNode plain;

    Turn(String role) {
      this.role = role;
    }

    MessageParam toParam() {
      return plain != null ? new MessageParam(role, plain, null) : MessageParam.of(role, blocks);
    }
  }

  private static void add(List<Turn> turns, String role, List<ContentBlock> blocks, JsonNode original) {
    if (blocks.isEmpty()) return;
    Turn last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
    if (last != null && last.role.equals(role)) {
      last.plain = null;
      last.blocks.addAll(blocks);
      return;
    }
    Turn turn = new Turn(role);
    turn.blocks.addAll(blocks);
    if (original != null && original.isTextual()) turn.plain = original;
    turns.add(turn);
  }

  private static List<ContentBlock> userBlocks(JsonNode content, String param) {
    if (content == null || content.isNull()) return List.of();
    if (content.isTextual()) return List.of(ContentBlock.text(content.textValue()));
    List<ContentBlock> blocks = new ArrayList<>();
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      String type = part.path("type").asText();
      switch (type) {
        case "text" -> blocks.add(ContentBlock.text(part.path("text").asText()));
        case "image_url" -> blocks.add(ContentBlock.image(imageSource(part.path("image_url").path("url").asText())));
        default -> throw new UntranslatableRequestException("Content part type '" + type
            + "' is not supported for Anthropic models; send text or image_url parts.", param + ".content[" + j + "]");
      }
    }
    return blocks;
  }

  private static JsonNode imageSource(String url) {
    ObjectNode source = NODES.objectNode();
    Matcher data = DATA_URL.matcher(url);
    if (data.matches()) {
      source.put("type", "base64");
      source.put("media_type", data.group(1));
      source.put("data", data.group(2));
    } else {
      source.put("type", "url");
      source.put("url", url);
    }
    return source;
  }

  private static List<ContentBlock> assistantBlocks(ChatMessage m, String param) {
    List<ContentBlock> blocks = new ArrayList<>();
    String text = m.textContent();
    if (!text.isEmpty()) blocks.add(ContentBlock.text(text));
    if (m.toolCalls() != null) {
      for (int j = 0; j < m.toolCalls().size(); j++) {
        JsonNode call = m.toolCalls().get(j);
        JsonNode function = call.path("function");
        String arguments = function.path("arguments").asText("");
        JsonNode input;
        try {
          input = arguments.isBlank() ? NODES.objectNode() : MAPPER.readTree(arguments);
        } catch (java.io.IOException e) {
          input = null;
        }
        if (input == null || !input.isObject()) {
          throw new UntranslatableRequestException("The arguments of '" + param + ".tool_calls[" + j
              + "]' are not a JSON object; Anthropic models need the tool input as an object.",
              param + ".tool_calls[" + j + "].function.arguments");
        }
        blocks.add(ContentBlock.toolUse(call.path("id").asText(), function.path("name").asText(), input));
      }
    }
    return blocks;
  }

  private static List<Tool> tools(JsonNode tools) {
    if (tools == null || !tools.isArray() || tools.isEmpty()) return null;
    List<Tool> out = new ArrayList<>();
    for (int i = 0; i < tools.size(); i++) {
      JsonNode tool = tools.get(i);
      if (!"function".equals(tool.path("type").asText("function"))) {
        throw new UntranslatableRequestException("Tool type '" + tool.path("type").asText()
            + "' is not supported for Anthropic models; use function tools.", "tools[" + i + "].type");
      }
      JsonNode function = tool.path("function");
      JsonNode parameters = function.path("parameters").isObject() ? function.get("parameters") : emptySchema();
      String description = function.hasNonNull("description") ? function.get("description").asText() : null;
      out.add(Tool.of(function.path("name").asText(), description, parameters));
    }
    return out;
  }

  private static ToolChoice toolChoice(JsonNode choice, JsonNode parallel) {
    boolean serial = parallel != null && parallel.isBoolean() && !parallel.booleanValue();
    Boolean disableParallel = serial ? Boolean.TRUE : null;
    if (choice == null || choice.isNull()) {
      return disableParallel == null ? null : ToolChoice.of(ToolChoice.AUTO, null, true);
    }
    if (choice.isTextual()) {
      return switch (choice.textValue()) {
        case "none" -> ToolChoice.of(ToolChoice.NONE, null, null);
        case "required" -> ToolChoice.of(ToolChoice.ANY, null, disableParallel);
        default -> ToolChoice.of(ToolChoice.AUTO, null, disableParallel);
      };
    }
    String name = choice.path("function").path("name").asText(null);
    if (name == null) {
      throw new UntranslatableRequestException(
          "'tool_choice' must be \"auto\", \"none\", \"required\" or "
              + "{\"type\":\"function\",\"function\":{\"name\":...}}.",
          "tool_choice");
    }
    return ToolChoice.of(ToolChoice.TOOL, name, disableParallel);
  }

  private static List<String> stopSequences(JsonNode stop) {
    if (stop == null || stop.isNull()) return null;
    if (stop.isTextual()) return List.of(stop.textValue());
    List<String> sequences = new ArrayList<>();
    for (JsonNode s : stop) sequences.add(s.asText());
    return sequences.isEmpty() ? null : sequences;
  }

  private static ObjectNode emptySchema() {
    ObjectNode schema = NODES.objectNode();
    schema.put("type", "object");
    schema.putObject("properties");
    return schema;
  }
}
