package io.switchboard.provider;

import java.util.concurrent.CompletionStage;

/**
 * Sends one chat completion to a provider in its own dialect. Called on the node that holds the
 * client's connection, after admission: the body never passes through an actor.
 *
 * <p>The stage fails with {@link UpstreamException} when the upstream cannot give a usable answer.
 */
public interface Upstream {
  CompletionStage<UpstreamReply> send(UpstreamCall call);

  /**
   * Whether a call that carries the client's Anthropic request ({@link UpstreamCall#anthropicRequest()})
   * is sent as those bytes and answered in Anthropic's dialect (a message, or Anthropic's event stream)
   * rather than in OpenAI's. True only for an upstream that itself speaks Anthropic.
   */
  default boolean passesAnthropicThrough() {
    return false;
  }
}
