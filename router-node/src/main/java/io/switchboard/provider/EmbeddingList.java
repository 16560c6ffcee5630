package io.switchboard.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import org.apache.pekko.util.ByteString;

/**
 * The vectors of one embeddings answer, in input order, in OpenAI's documented shape
 * ({@code {"object":"list","data":[{"object":"embedding","index":0,"embedding":[...]}],"model":...,
 * "usage":{"prompt_tokens":n,"total_tokens":n}}}): what every upstream's answer is turned into, and
 * what the client is sent, its vectors as floats or, for {@code encoding_format: base64}, as base64 of
 * little-endian 32-bit floats (as OpenAI encodes them).
 *
 * @param promptTokens the upstream's own count; null when it reported none
 */
public record EmbeddingList(List<float[]> vectors, String model, Integer promptTokens) {
  public EmbeddingList {
    vectors = List.copyOf(vectors);
  }

  /**
   * Reads an OpenAI embeddings answer; throws {@link IllegalArgumentException} saying what is wrong
   * when it is not one (no {@code data} array, an entry without a numeric {@code embedding}, indexes
   * that are not 0 to n-1).
   */
  public static EmbeddingList read(ObjectMapper mapper, ByteString body) {
    JsonNode root;
    try {
      root = mapper.readTree(body.toArrayUnsafe());
    } catch (IOException e) {
      throw new IllegalArgumentException("a body that is not valid JSON");
    }
    if (root == null || !root.path("data").isArray()) {
      throw new IllegalArgumentException("JSON that is not an embedding list (no 'data' array)");
    }
    JsonNode data = root.path("data");
    float[][] vectors = new float[data.size()][];
    for (JsonNode entry : data) {
      int index = entry.path("index").asInt(-1);
      JsonNode embedding = entry.path("embedding");
      if (index < 0 || index >= vectors.length || vectors[index] != null || !embedding.isArray()) {
        throw new IllegalArgumentException("an embedding list whose entries are not indexed 0 to "
            + (vectors.length - 1) + ", each with an 'embedding' array");
      }
      float[] vector = new float[embedding.size()];
      for (int i = 0; i < vector.length; i++) {
        if (!embedding.get(i).isNumber()) throw new IllegalArgumentException("an embedding that is not numbers");
        vector[i] = embedding.get(i).floatValue();
      }
      vectors[index] = vector;
    }
    JsonNode prompt = root.path("usage").path("prompt_tokens");
    return new EmbeddingList(List.of(vectors), root.path("model").asText(null),
        prompt.isInt() ? prompt.intValue() : null);
  }

  /** This list in OpenAI's shape, naming {@code model}, with {@code usage} when {@code promptTokens} is non-null. */
  public ByteString toJson(ObjectMapper mapper, boolean base64, String model, Integer promptTokens) {
    ObjectNode root = mapper.createObjectNode();
    root.put("object", "list");
    ArrayNode data = root.putArray("data");
    for (int i = 0; i < vectors.size(); i++) {
      ObjectNode entry = data.addObject();
      entry.put("object", "embedding");
      entry.put("index", i);
      if (base64) {
        entry.put("embedding", base64(vectors.get(i)));
      } else {
        ArrayNode values = entry.putArray("embedding");
        for (float value : vectors.get(i)) values.add(value);
      }
    }
    root.put("model", model);
    if (promptTokens != null) {
      ObjectNode usage = root.putObject("usage");
      usage.put("prompt_tokens", promptTokens);
      usage.put("total_tokens", promptTokens);
    }
    try {
      return ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(root));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an embedding list could not be written", e);
    }
  }

  /** This list as an upstream reports it, for the upstreams that translate into OpenAI's shape. */
  public ByteString toJson(ObjectMapper mapper) {
    return toJson(mapper, false, model, promptTokens);
  }

  static String base64(float[] vector) {
    ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : vector) bytes.putFloat(value);
    return Base64.getEncoder().encodeToString(bytes.array());
  }

  /** Decodes one base64 vector as {@link #toJson(ObjectMapper, boolean, String, Integer)} writes it. */
  public static float[] fromBase64(String encoded) {
    ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(encoded)).order(ByteOrder.LITTLE_ENDIAN);
    float[] vector = new float[bytes.remaining() / Float.BYTES];
    for (int i = 0; i < vector.length; i++) vector[i] = bytes.getFloat();
    return vector;
  }
}
