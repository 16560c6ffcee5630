package io.switchboard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.config.ProviderSettings;
import io.switchboard.config.SwitchboardSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ClusterBenchTest {

  @Test
  void providerConfig_isTheSingleNodesProviderAtTheFakeUpstream_andANodeAcceptsIt() {
    Config config = ConfigFactory.parseString(ClusterBench.providerConfig(9100)).withFallback(ConfigFactory.load()).resolve();
    SwitchboardSettings settings = SwitchboardSettings.from(config, name -> null);
    ProviderSettings bench = settings.providers().get("bench");
    assertEquals(4096, bench.maxInFlight());
    assertEquals("http://127.0.0.1:9100/v1", config.getString("switchboard.providers.bench.openai.base-url"));
    assertTrue(settings.models().containsKey("bench-model"));
    assertEquals(1, settings.providers().size(), "only the bench provider: the simulated default is removed");
    assertFalse(settings.http().connections().capped(InetAddress.getLoopbackAddress()),
        "the load generators hold thousands of connections from loopback");
  }

  @Test
  void freeBase_findsConsecutivePortsNobodyListensOn() throws IOException {
    int base = ClusterBench.freeBase(3);
    for (int port = base; port < base + 3; port++) {
      try (ServerSocket socket = new ServerSocket(port)) {
        assertEquals(port, socket.getLocalPort());
      }
    }
  }
}
