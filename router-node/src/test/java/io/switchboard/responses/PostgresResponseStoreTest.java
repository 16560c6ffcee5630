package io.switchboard.responses;

import com.typesafe.config.Config;
import io.switchboard.persistence.PostgresExtension;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stored responses across actor-system restarts on PostgreSQL, the store a cluster shares. */
@Tag("integration")
class PostgresResponseStoreTest extends ResponseStoreContract {
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
