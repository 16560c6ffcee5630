package io.switchboard.usage;

import com.typesafe.config.Config;
import io.switchboard.persistence.PostgresExtension;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Keys and usage across a node restart on PostgreSQL, as a cluster stores them. */
@Tag("integration")
class PostgresUsageRestartTest extends UsageRestartContract {
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
