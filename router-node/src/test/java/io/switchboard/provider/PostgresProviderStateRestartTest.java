package io.switchboard.provider;

import com.typesafe.config.Config;
import io.switchboard.persistence.PostgresExtension;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Provider state across an actor-system restart on PostgreSQL, as a cluster stores it. */
@Tag("integration")
class PostgresProviderStateRestartTest extends ProviderStateRestartContract {
  @RegisterExtension static final PostgresExtension postgres = new PostgresExtension();

  @Override
  Config config() {
    return postgres.config();
  }

  @Override
  Map<String, String> env() {
    return postgres.env();
  }
}
