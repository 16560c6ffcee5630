package io.switchboard.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code openai.responses-api}: {@code chat} by default, {@code native} when set, anything else refused. */
@Tag("unit")
class ResponsesApiSettingTest {

  private static ProviderSettings.OpenAi openAi(String hocon) {
    return SwitchboardSettings.from(ConfigFactory.parseString("switchboard.providers.o { kind = openai, " + hocon + " }")
        .withFallback(ConfigFactory.load()).resolve(), k -> null).providers().get("o").openai();
  }

  @Test
  void chatByDefault_nativeWhenSet() {
    assertFalse(openAi("").nativeResponses());
    assertTrue(openAi("openai.responses-api = native").nativeResponses());
    assertFalse(openAi("openai.responses-api = chat").nativeResponses());
  }

  @Test
  void anyOtherValue_stopsTheNodeNamingTheKey() {
    SettingsException refused = assertThrows(SettingsException.class, () -> openAi("openai.responses-api = passthrough"));
    assertTrue(refused.getMessage().contains("switchboard.providers.o.openai.responses-api"), refused.getMessage());
  }
}
