package io.switchboard.routing;

import org.junit.jupiter.api.Tag;

/** Every case of {@link ClientCancellationTest} with the providers' calls on the Netty client. */
@Tag("integration")
class ClientCancellationOverNettyTest extends ClientCancellationTest {
  @Override
  String client() {
    return "switchboard.provider-defaults.connection-pool.client = netty";
  }
}
