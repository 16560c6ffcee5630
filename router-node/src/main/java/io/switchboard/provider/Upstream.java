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
}
