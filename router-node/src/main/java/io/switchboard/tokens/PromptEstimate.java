package io.switchboard.tokens;

import static java.util.Objects.requireNonNull;

import io.switchboard.api.openai.ChatCompletionRequest;
import java.util.HashMap;
import java.util.Map;

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
  private final ChatCompletionRequest chat;
  private final Map<String, Integer> byUpstreamModel = new HashMap<>(2);

  public PromptEstimate(TokenEstimator estimator, ChatCompletionRequest chat) {
    this.estimator = requireNonNull(estimator, "estimator");
    this.chat = requireNonNull(chat, "chat");
  }

  /** The prompt tokens at {@code upstreamModel} (the provider's own model name), counted on first use. */
  public synchronized int tokens(String upstreamModel) {
    return byUpstreamModel.computeIfAbsent(upstreamModel, model -> estimator.promptTokens(chat, model));
  }

  /** How many times the prompt was counted: once per distinct upstream model asked about. */
  public synchronized int counted() {
    return byUpstreamModel.size();
  }

  public TokenEstimator estimator() {
    return estimator;
  }
}
