package io.switchboard.provider;

import static java.util.Objects.requireNonNull;

import org.apache.pekko.util.ByteString;

/**
 * One legacy text completion on its way upstream: the client's own bytes, passed through with only
 * {@code model} rewritten when the upstream names the model otherwise.
 *
 * @param clientModel the model as the client named it
 * @param upstreamModel the provider's own name for it
 * @param stream whether the client asked for a stream ({@code "stream": true})
 */
public record TextCompletionCall(ByteString body, String clientModel, String upstreamModel, boolean stream) {
  public TextCompletionCall {
    requireNonNull(body, "body");
    requireNonNull(clientModel, "clientModel");
    requireNonNull(upstreamModel, "upstreamModel");
  }

  /** True when the client's bytes can be forwarded as they are. */
  public boolean forwardsOriginalBody() {
    return upstreamModel.equals(clientModel);
  }
}
