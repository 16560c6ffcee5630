package io.switchboard.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.embeddings.EmbeddingsRequest;
import io.switchboard.provider.EmbeddingInput;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.util.ByteString;

/**
 * Reads a {@code POST /v1/embeddings} body as OpenAI documents it, refusing what OpenAI refuses with a
 * 400 naming the field: {@code model} (a string), {@code input} (a non-empty string, a non-empty array of
 * non-empty strings, an array of token ids, or an array of non-empty token arrays; not a mix),
 * {@code encoding_format} ({@code float} or {@code base64}), {@code dimensions} (a positive whole
 * number), {@code user} (a string). Other fields are ignored.
 */
final class EmbeddingsRequestDecoder {
  private final ObjectMapper mapper;

  EmbeddingsRequestDecoder(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  EmbeddingsRequest decode(ByteString body) {
    JsonNode root = ChatRequestDecoder.jsonObject(mapper, body);
    JsonNode model = root.path("model");
    if (!model.isTextual() || model.asText().isBlank()) {
      throw invalid("'model' is required: the name of an embedding model, as a string.", "model");
    }
    List<EmbeddingInput> inputs = inputs(root.get("input"));
    JsonNode format = root.path("encoding_format");
    boolean base64 = format.isTextual() && format.asText().equals("base64");
    if (!base64 && !format.isMissingNode() && !format.isNull() && !format.asText().equals("float")) {
      throw invalid("'encoding_format' must be \"float\" or \"base64\".", "encoding_format");
    }
    Integer dimensions = null;
    if (root.hasNonNull("dimensions")) {
      JsonNode value = root.get("dimensions");
      if (!value.canConvertToInt() || !value.isIntegralNumber() || value.intValue() < 1) {
        throw invalid("'dimensions' must be a whole number of at least 1.", "dimensions");
      }
      dimensions = value.intValue();
    }
    String user = null;
    if (root.hasNonNull("user")) {
      if (!root.get("user").isTextual()) throw invalid("'user' must be a string.", "user");
      user = root.get("user").asText();
    }
    return new EmbeddingsRequest(model.asText(), inputs, base64, dimensions, user);
  }

  private static List<EmbeddingInput> inputs(JsonNode input) {
    String shape = "'input' must be a non-empty string, an array of non-empty strings, an array of token ids, or an"
        + " array of non-empty token-id arrays.";
    if (input == null || input.isNull()) throw invalid("'input' is required. " + shape, "input");
    if (input.isTextual()) {
      if (input.asText().isEmpty()) throw invalid(shape, "input");
      return List.of(new EmbeddingInput.Text(input.asText()));
    }
    if (!input.isArray() || input.isEmpty()) throw invalid(shape, "input");
    List<EmbeddingInput> inputs = new ArrayList<>(input.size());
    JsonNode first = input.get(0);
    if (first.isIntegralNumber()) {
      inputs.add(new EmbeddingInput.Tokens(tokens(input, shape)));
      return inputs;
    }
    for (JsonNode item : input) {
      if (first.isTextual() && item.isTextual() && !item.asText().isEmpty()) {
        inputs.add(new EmbeddingInput.Text(item.asText()));
      } else if (first.isArray() && item.isArray() && !item.isEmpty()) {
        inputs.add(new EmbeddingInput.Tokens(tokens(item, shape)));
      } else {
        throw invalid(shape, "input");
      }
    }
    return inputs;
  }

  private static int[] tokens(JsonNode array, String shape) {
    int[] ids = new int[array.size()];
    for (int i = 0; i < ids.length; i++) {
      JsonNode id = array.get(i);
      if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) throw invalid(shape, "input");
      ids[i] = id.intValue();
    }
    return ids;
  }

  private static ApiError invalid(String message, String param) {
    return ApiError.invalidRequest(message, param, "invalid_value");
  }
}
