package io.switchboard.provider.ollama;

import org.junit.jupiter.api.Tag;

/** Every case of {@link OllamaUpstreamTest} with the provider's calls on the Netty client. */
@Tag("integration")
class OllamaUpstreamOverNettyTest extends OllamaUpstreamTest {
  @Override
  String client() {
    return "switchboard.provider-defaults.connection-pool.client = netty";
  }
}
