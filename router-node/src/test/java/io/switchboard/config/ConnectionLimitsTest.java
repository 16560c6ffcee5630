package io.switchboard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetAddress;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ConnectionLimitsTest {
  private static ConnectionLimits limits(String hocon) {
    Config loaded = ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve();
    return ConnectionLimits.from(loaded.getConfig("switchboard.http"));
  }

  @Test
  void defaults_areTheDocumentedOnes_andLoopbackIsCapped() throws Exception {
    ConnectionLimits defaults = limits("");

    assertEquals(ConnectionLimits.DEFAULT_HEADER_TIMEOUT, defaults.headerTimeout());
    assertEquals(ConnectionLimits.DEFAULT_KEEP_ALIVE_TIMEOUT, defaults.keepAliveTimeout());
    assertEquals(ConnectionLimits.DEFAULT_MAX_PER_ADDRESS, defaults.maxPerAddress());
    assertTrue(defaults.capped(InetAddress.getLoopbackAddress()), "loopback is exempt only when listed");
  }

  @Test
  void listedAddresses_areExempt_andACapOfZeroCapsNothing() throws Exception {
    ConnectionLimits exempt = limits("switchboard.http.max-connections-per-address-exempt = [\"127.0.0.1\", \"::1\"]");
    assertFalse(exempt.capped(InetAddress.getByName("127.0.0.1")));
    assertFalse(exempt.capped(InetAddress.getByName("::1")));
    assertTrue(exempt.capped(InetAddress.getByName("192.0.2.1")));

    assertFalse(limits("switchboard.http.max-connections-per-address = 0").capped(InetAddress.getByName("192.0.2.1")));
  }

  @Test
  void mistakes_areRefusedNamingTheKey() {
    for (String wrong : new String[] {
        "switchboard.http.header-timeout = 0s",
        "switchboard.http.keep-alive-timeout = -1s",
        "switchboard.http.max-connections-per-address = -1",
        "switchboard.http.max-connections-per-address-exempt = [\"proxy.internal\"]"}) {
      SettingsException refused = assertThrows(SettingsException.class, () -> limits(wrong), wrong);
      String key = wrong.substring(0, wrong.indexOf(' '));
      assertTrue(refused.getMessage().contains(key), refused.getMessage());
    }
  }
}
