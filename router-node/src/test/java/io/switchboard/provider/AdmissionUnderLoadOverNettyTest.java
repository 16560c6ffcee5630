package io.switchboard.provider;

import org.junit.jupiter.api.Tag;

/** Every case of {@link AdmissionUnderLoadTest} with the provider's calls on the Netty client. */
@Tag("integration")
class AdmissionUnderLoadOverNettyTest extends AdmissionUnderLoadTest {
  @Override
  String client() {
    return "switchboard.provider-defaults.connection-pool.client = netty";
  }
}
