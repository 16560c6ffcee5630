package io.switchboard.embeddings;

import static java.util.Objects.requireNonNull;

import io.switchboard.provider.EmbeddingInput;
import java.util.List;

/**
 * A decoded {@code POST /v1/embeddings} request: OpenAI's {@code input} (a string, strings, a token
 * array or token arrays) as a list of inputs in the client's order, all of one kind.
 *
 * @param base64 whether the client asked for {@code encoding_format: base64}
 * @param dimensions the client's {@code dimensions}; null: the model's own
 * @param user the client's {@code user}, passed on to OpenAI-compatible upstreams; null when not set
 */
public record EmbeddingsRequest(String model, List<EmbeddingInput> inputs, boolean base64, Integer dimensions,
    String user) {

  public EmbeddingsRequest {
    requireNonNull(model, "model");
    inputs = List.copyOf(inputs);
    if (inputs.isEmpty()) throw new IllegalArgumentException("an embeddings request needs at least one input");
  }

  public boolean tokenized() {
    return inputs.get(0) instanceof EmbeddingInput.Tokens;
  }
}
