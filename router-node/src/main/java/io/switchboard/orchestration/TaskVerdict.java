package io.switchboard.orchestration;

import io.switchboard.config.Capability;
import io.switchboard.config.TaskKind;
import java.util.List;
import java.util.Set;

/**
 * What the {@link TaskAnalyzer} found in one request: enough for the scorer, and the words that explain it.
 *
 * @param signals what decided the kind, short (e.g. {@code fence:python}, {@code fix}, {@code response_format})
 * @param promptTokens the prompt's size, estimated cheaply (not the tokenizer's count)
 * @param outputLimit the client's {@code max_tokens} times {@code n}; null when it set none (each model's own
 *     {@code max-output-tokens} then applies)
 * @param expectedOutputTokens what the answer is expected to take, for its expected cost
 * @param needs capabilities the request uses: tools, json ({@code response_format}), vision (images), streaming
 * @param language a language code from stopwords or script, or {@code und} when unsure
 */
public record TaskVerdict(TaskKind kind, List<String> signals, int promptTokens, Integer outputLimit,
    int expectedOutputTokens, Set<Capability> needs, String language) {

  /** Prompt plus output tokens the request needs from a model whose output cap is {@code modelOutputCap}. */
  public long contextNeeded(int modelOutputCap) {
    return (long) promptTokens + outputTokens(modelOutputCap);
  }

  /** The output reserved at a model: the client's limit, or the model's cap. */
  public int outputTokens(int modelOutputCap) {
    return outputLimit != null ? outputLimit : modelOutputCap;
  }

  /** {@code code(fence:python,fix)}: the kind and its signals, as the route reason starts. */
  public String describe() {
    return signals.isEmpty() ? kind.configName() : kind.configName() + "(" + String.join(",", signals) + ")";
  }
}
