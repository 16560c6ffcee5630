package io.switchboard.http;

import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.ChatMessage;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.pekko.util.ByteString;

/**
 * Decodes a chat completion request once, checks what the gateway relies on, and turns every problem
 * into a 400 whose message and {@code param} name the offending field ({@code messages[1].role}).
 */
final class ChatRequestDecoder {
  /** Jackson names the (redacted) input source inside some messages; clients need only line and column. */
  private static final Pattern SOURCE_NOTE = Pattern.compile("\\[Source: .*?; ");
  private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");

  private final ObjectMapper mapper;

  ChatRequestDecoder(ObjectMapper mapper) {
    this.mapper = strict(mapper.copy());
  }

  /**
   * OpenAI rejects {@code "model": 5} and {@code "stream": "yes"}; Jackson would quietly coerce them.
   * Refusing here keeps a client's mistake from reaching the upstream in a different shape.
   */
  private static ObjectMapper strict(ObjectMapper mapper) {
    mapper.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    for (LogicalType type : new LogicalType[] {LogicalType.Boolean, LogicalType.Integer, LogicalType.Float}) {
      mapper.coercionConfigFor(type)
          .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    }
    mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    return mapper;
  }

  ChatCompletionRequest decode(ByteString body) {
    if (body.isEmpty()) {
      throw ApiError.invalidRequest(
          "The request body is empty. Send a JSON object with at least 'model' and 'messages'.", null, "invalid_json");
    }
    ChatCompletionRequest request;
    try {
      request = mapper.readValue(body.toArrayUnsafe(), ChatCompletionRequest.class);
    } catch (JsonProcessingException e) {
      throw invalidJson(e);
    } catch (IOException e) {
      throw new IllegalStateException("reading from memory failed", e);
    }
    if (request == null) {
      throw ApiError.invalidRequest("The request body must be a JSON object, not null.", null, "invalid_json");
    }
    check(request);
    return request;
  }

  private static void check(ChatCompletionRequest request) {
    if (request.model() == null || request.model().isBlank()) {
      throw missing("model");
    }
    List<ChatMessage> messages = request.messages();
    if (messages == null) throw missing("messages");
    if (messages.isEmpty()) {
      throw ApiError.invalidRequest("'messages' is empty: send at least one message.", "messages", "invalid_value");
    }
    for (int i = 0; i < messages.size(); i++) {
      ChatMessage message = messages.get(i);
      String param = "messages[" + i + "]";
      if (message == null) {
        throw ApiError.invalidRequest("'" + param + "' is null: each message must be an object.", param, "invalid_type");
      }
      if (message.role() == null) throw missing(param + ".role");
      if (!ROLES.contains(message.role())) {
        throw ApiError.invalidRequest("Invalid value for '" + param + ".role': '" + message.role()
            + "'. Supported roles: system, developer, user, assistant, tool.", param + ".role", "invalid_value");
      }
      checkShapes(message, param);
    }
    if (request.n() != null && request.n() < 1) {
      throw ApiError.invalidRequest("Invalid value for 'n': it must be at least 1.", "n", "invalid_value");
    }
    Integer limit = request.outputTokenLimit();
    if (limit != null && limit < 1) {
      String param = request.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens";
      throw ApiError.invalidRequest("Invalid value for '" + param + "': it must be at least 1.", param, "invalid_value");
    }
  }

  /**
   * What the translations to other providers read: {@code content} is a string or an array of parts
   * (objects), and each tool call an object. OpenAI refuses anything else too.
   */
  private static void checkShapes(ChatMessage message, String param) {
    JsonNode content = message.content();
    if (content != null && !content.isNull() && !content.isTextual()) {
      if (!content.isArray()) throw wrongType(param + ".content", "a string or an array of content parts");
      for (int j = 0; j < content.size(); j++) {
        if (!content.get(j).isObject()) throw wrongType(param + ".content[" + j + "]", "an object (a content part)");
      }
    }
    List<JsonNode> calls = message.toolCalls();
    if (calls == null) return;
    for (int k = 0; k < calls.size(); k++) {
      if (calls.get(k) == null || !calls.get(k).isObject()) {
        throw wrongType(param + ".tool_calls[" + k + "]", "an object");
      }
    }
  }

  private static ApiError wrongType(String param, String expected) {
    return ApiError.invalidRequest("Invalid type for '" + param + "': expected " + expected + ".", param,
        "invalid_type");
  }

  /**
   * The body of a JSON route read as a tree: 400 {@link #invalidJson} when it does not parse, 400
   * {@code invalid_value} when it is not a JSON object. For the routes that read their fields by hand.
   */
  static JsonNode jsonObject(ObjectMapper mapper, ByteString body) {
    JsonNode root;
    try {
      root = mapper.readTree(body.toArrayUnsafe());
    } catch (JsonProcessingException e) {
      throw invalidJson(e);
    } catch (IOException e) {
      throw new IllegalStateException("reading from memory failed", e);
    }
    if (root == null || !root.isObject()) {
      throw ApiError.invalidRequest("The request body must be a JSON object.", null, "invalid_value");
    }
    return root;
  }

  /**
   * A syntax error (possibly wrapped by databind with the path where it struck), a value of the wrong
   * type or an unknown field, each told in the client's terms, never in Jackson's (its messages name
   * Java types). Also the other JSON routes' ({@code /v1/messages}, {@code /admin/keys}).
   */
  static ApiError invalidJson(JsonProcessingException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StreamReadException syntax) {
        return ApiError.invalidRequest("We could not parse the JSON body of your request: "
            + SOURCE_NOTE.matcher(syntax.getOriginalMessage()).replaceAll("[") + location(syntax)
            + ". Send valid JSON.", null, "invalid_json");
      }
    }
    if (e instanceof UnrecognizedPropertyException unknown) {
      String path = path(unknown);
      return ApiError.invalidRequest("Unknown field '" + path + "'.", path, "unknown_parameter");
    }
    if (e instanceof MismatchedInputException mismatch) {
      String path = path(mismatch);
      if (path.isEmpty()) return ApiError.invalidRequest("The request body must be a JSON object.", null, "invalid_json");
      return ApiError.invalidRequest("Invalid type for '" + path + "': expected " + describe(mismatch.getTargetType())
          + ".", path, "invalid_type");
    }
    // Anything else names Java types and classes: not the client's terms.
    return ApiError.invalidRequest("We could not read the JSON body of your request: it does not have the shape"
        + " this route expects.", null, "invalid_json");
  }

  private static ApiError missing(String param) {
    return ApiError.invalidRequest("Missing required parameter: '" + param + "'.", param, "missing_required_parameter");
  }

  private static String path(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (path.length() > 0) path.append('.');
        path.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
  }

  private static String location(JsonProcessingException e) {
    return e.getLocation() == null ? ""
        : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
  }

  private static String describe(Class<?> type) {
    if (type == null) return "another type";
    if (type == String.class) return "a string";
    if (type == Boolean.class || type == boolean.class) return "a boolean";
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) return "an integer";
    if (Number.class.isAssignableFrom(type) || type.isPrimitive()) return "a number";
    if (Collection.class.isAssignableFrom(type) || type.isArray()) return "an array";
    if (Map.class.isAssignableFrom(type) || type.isRecord()) return "an object";
    return "another type";
  }
}
