package io.switchboard.completions;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.apache.pekko.util.ByteString;

/**
 * A decoded {@code POST /v1/completions} request: what the gateway reads of it (the model, the prompt
 * to count, how much output to reserve), and the client's own bytes, which are passed through.
 *
 * @param promptTexts the prompt's texts ({@code prompt} as a string or strings)
 * @param promptTokenIds how many token ids the prompt holds when it is given as token arrays
 * @param maxTokens the client's {@code max_tokens}; null: OpenAI's documented default of
 *     {@value #DEFAULT_MAX_TOKENS}
 * @param choices completions generated upstream: the larger of {@code n} and {@code best_of}
 */
public record TextCompletionRequest(String model, ByteString body, List<String> promptTexts, int promptTokenIds,
    boolean stream, Integer maxTokens, int choices) {

  /** OpenAI's default {@code max_tokens} for legacy completions (vLLM's too). */
  public static final int DEFAULT_MAX_TOKENS = 16;

  public TextCompletionRequest {
    requireNonNull(model, "model");
    requireNonNull(body, "body");
    promptTexts = List.copyOf(promptTexts);
  }

  /** The output tokens a deployment reserves: {@code max_tokens} (or its default) times {@link #choices}. */
  public int outputReservation() {
    long perChoice = maxTokens != null ? maxTokens : DEFAULT_MAX_TOKENS;
    return (int) Math.min(Integer.MAX_VALUE, perChoice * Math.max(1, choices));
  }
}
