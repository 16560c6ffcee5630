package io.switchboard.tokens;

import static java.util.Objects.requireNonNull;

import io.switchboard.api.openai.ChatCompletionRequest;
import java.util.HashMap;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * One request's prompt, counted once per tokenizer it meets: the key's reservation, each deployment's
 * context-window check and provider reservation, and a usage record without reported counts all read
 * the same figure instead of counting the prompt again. Deployments of one model usually share an
 * upstream model, so most requests count once.
 *
 * <pre>{@code
 * PromptEstimate prompt = new PromptEstimate(estimator, chat);
 * int tokens = prompt.tokens("gpt-4o-mini");   // counted now
 * prompt.tokens("gpt-4o-mini");                // remembered
 * }</pre>
 */
public final class PromptEstimate {
  private final TokenEstimator estimator;
  private final ToIntFunction<String> count;
  private final Map<String, Integer> byUpstreamModel = new HashMap<>(2);

  public PromptEstimate(TokenEstimator estimator, ChatCompletionRequest chat) {
    this.estimator = requireNonNull(estimator, "estimator");
    requireNonNull(chat, "chat");
    this.count = model -> estimator.promptTokens(chat, model);
  }

  private PromptEstimate(TokenEstimator estimator, ToIntFunction<String> count) {
    this.estimator = requireNonNull(estimator, "estimator");
    this.count = requireNonNull(count, "count");
  }

  /**
   * A prompt that is not a chat (embeddings inputs, a text completion's prompt), counted by {@code count}
   * for an upstream model, once per model as any other.
   */
  public static PromptEstimate of(TokenEstimator estimator, ToIntFunction<String> count) {
    return new PromptEstimate(estimator, count);
  }

  /** The prompt tokens at {@code upstreamModel} (the provider's own model name), counted on first use. */
  public synchronized int tokens(String upstreamModel) {
    return byUpstreamModel.computeIfAbsent(upstreamModel, count::applyAsInt);
  }

  /** How many times the prompt was counted: once per distinct upstream model asked about. */
  public synchronized int counted() {
    return byUpstreamModel.size();
  }

  public TokenEstimator estimator() {
    return estimator;
  }
}
