package io.switchboard.provider;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One embeddings call on its way upstream: the inputs in the client's order (all texts, or all token
 * arrays), the provider's own name for the model, and the client's {@code dimensions} and {@code user}
 * (null when not set). Vectors always come back as floats: the gateway writes base64 itself when the
 * client asks for it, whatever the upstream.
 */
public record EmbeddingCall(List<EmbeddingInput> inputs, String upstreamModel, Integer dimensions, String user) {
  public EmbeddingCall {
    inputs = List.copyOf(inputs);
    requireNonNull(upstreamModel, "upstreamModel");
    if (inputs.isEmpty()) throw new IllegalArgumentException("an embeddings call needs at least one input");
  }

  /** Whether the inputs are token arrays rather than texts. */
  public boolean tokenized() {
    return inputs.get(0) instanceof EmbeddingInput.Tokens;
  }
}
