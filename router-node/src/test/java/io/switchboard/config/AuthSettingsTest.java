package io.switchboard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code switchboard.auth}: open only on loopback unless said otherwise, and the admin key from the environment. */
@Tag("unit")
class AuthSettingsTest {

  private static SwitchboardSettings settings(String hocon, Map<String, String> env) {
    return SwitchboardSettings.from(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve(), env::get);
  }

  @Test
  void auto_isOpenOnLoopback_andNeedsKeysAnywhereElse() {
    AuthSettings auth = settings("", Map.of()).auth();
    assertEquals(AuthSettings.Mode.AUTO, auth.mode());
    assertFalse(auth.keysRequired("127.0.0.1"));
    assertFalse(auth.keysRequired("localhost"));
    assertFalse(auth.keysRequired("::1"));
    assertTrue(auth.keysRequired("0.0.0.0"));
    assertTrue(auth.keysRequired("10.1.2.3"));
    assertTrue(settings("switchboard.auth.mode = keys", Map.of()).auth().keysRequired("127.0.0.1"));
  }

  @Test
  void open_onANetworkAddress_stopsStartUp_unlessExplicitlyAllowed() {
    SettingsException refused = assertThrows(SettingsException.class,
        () -> settings("switchboard.http.host = \"0.0.0.0\"\nswitchboard.auth.mode = open", Map.of()));
    assertTrue(refused.getMessage().contains("allow-open-on-network"), refused.getMessage());
    AuthSettings allowed = settings("""
        switchboard.http.host = "0.0.0.0"
        switchboard.auth { mode = open, allow-open-on-network = true }
        """, Map.of()).auth();
    assertFalse(allowed.keysRequired("0.0.0.0"));
    assertThrows(SettingsException.class, () -> settings("switchboard.auth.mode = sometimes", Map.of()));
  }

  @Test
  void adminKey_comesFromTheNamedVariable_andIsNeverPrinted() {
    AuthSettings auth = settings("switchboard.auth.admin-key-env = MY_ADMIN", Map.of("MY_ADMIN", "s3cret-admin")).auth();
    assertEquals("s3cret-admin", auth.adminKey().orElseThrow().reveal());
    assertFalse(auth.toString().contains("s3cret-admin"), auth.toString());
    assertTrue(settings("", Map.of()).auth().adminKey().isEmpty());
  }
}
