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

  /** Which embeddings inputs this upstream takes ({@link #embed}); {@link EmbeddingSupport#NONE}: none. */
  default EmbeddingSupport embeddings() {
    return EmbeddingSupport.NONE;
  }

  /**
   * Sends one embeddings call; its answer is a {@link UpstreamReply.Complete} whose body is an
   * {@link EmbeddingList} in OpenAI's shape with one vector per input, checked. Only called when
   * {@link #embeddings()} takes the call's inputs.
   */
  default CompletionStage<UpstreamReply> embed(EmbeddingCall call) {
    throw new UnsupportedOperationException("this upstream serves no embeddings");
  }

  /** Whether this upstream serves legacy text completions ({@link #completeText}). */
  default boolean completesText() {
    return false;
  }

  /**
   * Passes one legacy text completion through: a whole {@code text_completion} object, or its event
   * stream ending in {@code data: [DONE]}, as the upstream wrote them. Only called when
   * {@link #completesText()}.
   */
  default CompletionStage<UpstreamReply> completeText(TextCompletionCall call) {
    throw new UnsupportedOperationException("this upstream serves no text completions");
  }

  /** Whether {@code POST /v1/responses} is passed through to this upstream's own Responses API ({@link #respond}). */
  default boolean servesResponses() {
    return false;
  }

  /**
   * Passes one Responses API request through: a whole Response object, or its event stream ending in
   * {@code response.completed} (or {@code response.incomplete} / {@code response.failed}), as the
   * upstream wrote them. Only called when {@link #servesResponses()}.
   */
  default CompletionStage<UpstreamReply> respond(ResponsesCall call) {
    throw new UnsupportedOperationException("this upstream serves no Responses API");
  }

  /** What an upstream can embed. */
  enum EmbeddingSupport {
    NONE,
    /** Texts only (Ollama's {@code /api/embed}). */
    TEXT,
    /** Texts and token arrays (OpenAI's {@code /embeddings}). */
    TEXT_AND_TOKENS;

    public boolean takes(EmbeddingCall call) {
      return this == TEXT_AND_TOKENS || (this == TEXT && !call.tokenized());
    }
  }
}
