package io.switchboard.provider.anthropic;

import org.junit.jupiter.api.Tag;

/** Every case of {@link AnthropicUpstreamTest}, plain and streamed, with the provider's calls on the Netty client. */
@Tag("integration")
class AnthropicUpstreamOverNettyTest extends AnthropicUpstreamTest {
  @Override
  String client() {
    return "switchboard.provider-defaults.connection-pool.client = netty";
  }
}
