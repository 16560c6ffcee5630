package io.switchboard.provider.anthropic;

import org.junit.jupiter.api.Tag;

/** Every case of {@link AnthropicStreamFaultTest} with the provider's calls on the Netty client. */
@Tag("integration")
class AnthropicStreamFaultOverNettyTest extends AnthropicStreamFaultTest {
  @Override
  String client() {
    return "switchboard.provider-defaults.connection-pool.client = netty";
  }
}
