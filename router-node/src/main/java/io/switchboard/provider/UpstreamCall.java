package io.switchboard.provider;

import io.switchboard.api.openai.ChatCompletionRequest;
import java.util.Optional;
import org.apache.pekko.util.ByteString;

/**
 * One chat completion on its way upstream: the decoded request (for what routing and translation
 * need), the client's original bytes (forwarded untouched when no translation is needed), and the
 * provider's own name for the model.
 *
 * @param maxOutputTokens the deployment's output cap from the catalog ({@code max-output-tokens}): what an
 *     upstream that requires an output limit (Anthropic) is sent when the client set none, the same
 *     figure admission reserved for the call
 * @param anthropicBody the client's own Anthropic Messages request, when it came through the
 *     Anthropic ingress ({@code request} is then its translation); null otherwise. An upstream that
 *     {@linkplain Upstream#passesAnthropicThrough() passes Anthropic through} forwards these bytes and
 *     answers in Anthropic's dialect
 */
public record UpstreamCall(ChatCompletionRequest request, ByteString originalBody, String upstreamModel,
    int maxOutputTokens, ByteString anthropicBody) {

  public UpstreamCall(ChatCompletionRequest request, ByteString originalBody, String upstreamModel,
      int maxOutputTokens) {
    this(request, originalBody, upstreamModel, maxOutputTokens, null);
  }

  public boolean stream() {
    return request.isStream();
  }

  /**
   * True when the client's bytes can be forwarded as they are: same dialect, same model name. An
   * Anthropic caller has no OpenAI bytes ({@code originalBody} is null), so its call is always written
   * from the decoded request, whatever the model is called.
   */
  public boolean forwardsOriginalBody() {
    return originalBody != null && namesUpstreamModel();
  }

  /** True when the client asked for the model by the upstream's own name (no rename is needed). */
  public boolean namesUpstreamModel() {
    return upstreamModel.equals(request.model());
  }

  public Optional<ByteString> anthropicRequest() {
    return Optional.ofNullable(anthropicBody);
  }
}
