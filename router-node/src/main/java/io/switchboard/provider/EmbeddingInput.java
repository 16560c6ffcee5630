package io.switchboard.provider;

import java.util.Arrays;

/**
 * One input of an embeddings request, as OpenAI's {@code input} allows it: a text, or a text already
 * tokenized (an array of token ids in the upstream model's own tokenizer).
 */
public sealed interface EmbeddingInput {

  /** A text to embed. */
  record Text(String text) implements EmbeddingInput {}

  /** Token ids to embed; only upstreams that take token input accept these. */
  record Tokens(int[] ids) implements EmbeddingInput {
    @Override
    public boolean equals(Object other) {
      return other instanceof Tokens t && Arrays.equals(ids, t.ids);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(ids);
    }

    @Override
    public String toString() {
      return "Tokens" + Arrays.toString(ids);
    }
  }
}
