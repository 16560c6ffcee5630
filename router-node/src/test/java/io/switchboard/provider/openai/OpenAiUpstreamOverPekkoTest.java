package io.switchboard.provider.openai;

import org.junit.jupiter.api.Tag;

/**
 * Every case of {@link OpenAiUpstreamTest}, plain and streamed, with the provider's calls on Pekko HTTP's host pool
 * ({@code connection-pool.client = pekko}); the suite itself runs on Netty, the default.
 */
@Tag("integration")
class OpenAiUpstreamOverPekkoTest extends OpenAiUpstreamTest {
  @Override
  String client() {
    return "switchboard.provider-defaults.connection-pool.client = pekko";
  }
}
