package io.switchboard.provider.openai;

import org.junit.jupiter.api.Tag;

/** Every case of {@link OpenAiStreamFaultTest} with the provider's calls on the Netty client. */
@Tag("integration")
class OpenAiStreamFaultOverNettyTest extends OpenAiStreamFaultTest {
  @Override
  String client() {
    return "switchboard.provider-defaults.connection-pool.client = netty";
  }
}
