package io.switchboard.provider;

import io.switchboard.api.openai.ChatCompletionRequest;
import org.apache.pekko.util.ByteString;

/**
 * One chat completion on its way upstream: the decoded request (for what routing and translation
 * need), the client's original bytes (forwarded untouched when no translation is needed), and the
 * provider's own name for the model.
 */
public record UpstreamCall(ChatCompletionRequest request, ByteString originalBody, String upstreamModel) {

  public boolean stream() {
    return request.isStream();
  }

  /** True when the client's bytes can be forwarded as they are: same dialect, same model name. */
  public boolean forwardsOriginalBody() {
    return upstreamModel.equals(request.model());
  }
}
