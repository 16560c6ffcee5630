package io.switchboard.provider.simulated;

import io.switchboard.provider.EmbeddingInput;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The simulated provider's embeddings: a unit vector drawn from a generator seeded by the upstream
 * model and the input, so the same input always gets the same vector (and different inputs, in
 * practice, different ones), at {@code dimensions} or {@value #DEFAULT_DIMENSIONS}. Meaningless as
 * semantics; good for trying a RAG pipeline's plumbing and for deterministic tests.
 */
final class SimulatedEmbeddings {
  /** The length of a vector when the request sets no {@code dimensions}, as OpenAI's text-embedding-3-small. */
  static final int DEFAULT_DIMENSIONS = 1536;

  private SimulatedEmbeddings() {}

  static float[] vector(String upstreamModel, EmbeddingInput input, Integer dimensions) {
    int size = dimensions != null ? dimensions : DEFAULT_DIMENSIONS;
    SplittableRandom random = new SplittableRandom(seed(upstreamModel, input));
    float[] vector = new float[size];
    double norm = 0;
    for (int i = 0; i < size; i++) {
      double value = random.nextDouble(-1, 1);
      vector[i] = (float) value;
      norm += value * value;
    }
    float scale = (float) (1 / Math.sqrt(Math.max(norm, Double.MIN_NORMAL)));
    for (int i = 0; i < size; i++) vector[i] *= scale;
    return vector;
  }

  /** FNV-1a over the model name and the input: stable across JVMs, unlike String.hashCode's spread. */
  private static long seed(String upstreamModel, EmbeddingInput input) {
    long hash = 0xcbf29ce484222325L;
    hash = mix(hash, upstreamModel.getBytes(StandardCharsets.UTF_8));
    hash = mix(hash, new byte[] {0});
    if (input instanceof EmbeddingInput.Text text) {
      hash = mix(hash, text.text().getBytes(StandardCharsets.UTF_8));
    } else {
      for (int id : ((EmbeddingInput.Tokens) input).ids()) {
        hash = mix(hash, new byte[] {(byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id, 1});
      }
    }
    return hash;
  }

  private static long mix(long hash, byte[] bytes) {
    for (byte b : bytes) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return hash;
  }
}
