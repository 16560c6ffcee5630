package io.switchboard.responses;

import com.typesafe.config.Config;
import io.switchboard.persistence.TestStores;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/** Stored responses across actor-system restarts on the single node's default store, an H2 file. */
@Tag("integration")
class H2ResponseStoreTest extends ResponseStoreContract {
  @TempDir static Path dataDir;

  @Override
  Config config() {
    return TestStores.h2(dataDir);
  }

  @Override
  Map<String, String> env() {
    return Map.of();
  }
}
