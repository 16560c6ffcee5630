package io.switchboard.provider.openai;

import org.junit.jupiter.api.Tag;

/** Every case of {@link OpenAiUpstreamTest}, plain and streamed, with the provider's calls on the Netty client. */
@Tag("integration")
class OpenAiUpstreamOverNettyTest extends OpenAiUpstreamTest {
  @Override
  String client() {
    return "switchboard.provider-defaults.connection-pool.client = netty";
  }
}
