package io.switchboard.usage;

import io.switchboard.GatewayExtension;
import io.switchboard.persistence.PostgresExtension;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Keys and usage across a node restart on PostgreSQL, as a cluster stores them. */
@Tag("integration")
class PostgresUsageRestartTest extends UsageRestartContract {
  @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();
  @RegisterExtension static final GatewayExtension gateways = GatewayExtension.on(postgres::config, postgres::env);

  @Override
  GatewayExtension gateways() {
    return gateways;
  }
}
