package io.switchboard.usage;

import io.switchboard.GatewayExtension;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Keys and usage across a node restart on the default store, an H2 file. */
@Tag("integration")
class H2UsageRestartTest extends UsageRestartContract {
  @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();

  @Override
  GatewayExtension gateways() {
    return gateways;
  }
}
