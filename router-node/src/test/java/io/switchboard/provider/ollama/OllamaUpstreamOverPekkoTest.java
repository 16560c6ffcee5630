package io.switchboard.provider.ollama;

import org.junit.jupiter.api.Tag;

/**
 * Every case of {@link OllamaUpstreamTest} with the provider's calls on Pekko HTTP's host pool
 * ({@code connection-pool.client = pekko}); the suite itself runs on Netty, the default.
 */
@Tag("integration")
class OllamaUpstreamOverPekkoTest extends OllamaUpstreamTest {
  @Override
  String client() {
    return "switchboard.provider-defaults.connection-pool.client = pekko";
  }
}
