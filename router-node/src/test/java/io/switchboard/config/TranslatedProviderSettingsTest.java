package io.switchboard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The settings of the provider kinds whose dialect is translated: anthropic and ollama. */
@Tag("unit")
class TranslatedProviderSettingsTest {

  private static SwitchboardSettings settings(String hocon, Function<String, String> env) {
    return SwitchboardSettings.from(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve(), env);
  }

  @Test
  void anthropic_defaultsToTheDocumentedApi_andReadsItsKeyFromTheEnvironmentWithoutPrintingIt() {
    String key = "sk-ant-api03-secret";
    ProviderSettings p = settings("switchboard.providers.claude.kind = anthropic",
        Map.of("ANTHROPIC_API_KEY", key)::get).providers().get("claude");

    assertEquals(ProviderKind.ANTHROPIC, p.kind());
    assertNull(p.openai());
    assertNull(p.ollama());
    assertEquals("https://api.anthropic.com", p.anthropic().baseUrl());
    assertEquals("2023-06-01", p.anthropic().version());
    assertEquals(key, p.anthropic().apiKey().orElseThrow().reveal());
    assertFalse(p.toString().contains(key), p.toString());

    ProviderSettings unset = settings("switchboard.providers.claude.kind = anthropic", name -> null)
        .providers().get("claude");
    assertEquals(Optional.empty(), unset.anthropic().apiKey());
  }

  @Test
  void anthropic_overrides_andMistakesNameTheKey() {
    ProviderSettings p = settings("""
        switchboard.providers.claude { kind = anthropic, anthropic { base-url = "http://proxy:8080/", api-key-env = "",
          version = "2024-01-01" } }
        """, name -> null).providers().get("claude");
    assertEquals("http://proxy:8080", p.anthropic().baseUrl());
    assertEquals("2024-01-01", p.anthropic().version());
    assertTrue(p.anthropic().apiKey().isEmpty());

    assertFailure("switchboard.providers.c { kind = anthropic, anthropic.base-url = \"api.anthropic.com\" }",
        "switchboard.providers.c.anthropic.base-url");
    // Removed in favour of the deployment's max-output-tokens: refused, naming the key that replaces it.
    assertFailure("switchboard.providers.c { kind = anthropic, anthropic.default-max-tokens = 8192 }",
        "switchboard.providers.c.anthropic.default-max-tokens");
    assertFailure("switchboard.providers.c { kind = anthropic, anthropic.default-max-tokens = 8192 }",
        "max-output-tokens");
    assertFailure("switchboard.providers.c { kind = anthropic, anthropic.version = \"\" }",
        "switchboard.providers.c.anthropic.version");
  }

  @Test
  void ollama_defaultsToTheLocalServer() {
    ProviderSettings p = settings("switchboard.providers.local.kind = ollama", name -> null).providers().get("local");

    assertEquals(ProviderKind.OLLAMA, p.kind());
    assertEquals("http://127.0.0.1:11434", p.ollama().baseUrl());
    assertEquals(java.time.Duration.ofSeconds(30), p.ollama().tagsRefresh());
    assertNull(p.anthropic());
    assertFailure("switchboard.providers.l { kind = ollama, ollama.base-url = \"localhost:11434\" }",
        "switchboard.providers.l.ollama.base-url");
  }

  @Test
  void ollama_tagsRefresh_isReadPerProviderOrFromTheDefaults_andMustBePositive() {
    SwitchboardSettings s = settings("""
        switchboard.provider-defaults.ollama.tags-refresh = 5s
        switchboard.providers.a.kind = ollama
        switchboard.providers.b { kind = ollama, ollama.tags-refresh = 2m }
        """, name -> null);
    assertEquals(java.time.Duration.ofSeconds(5), s.providers().get("a").ollama().tagsRefresh());
    assertEquals(java.time.Duration.ofMinutes(2), s.providers().get("b").ollama().tagsRefresh());
    assertFailure("switchboard.providers.l { kind = ollama, ollama.tags-refresh = 0s }",
        "switchboard.providers.l.ollama.tags-refresh");
  }

  private static void assertFailure(String hocon, String key) {
    SettingsException e = assertThrows(SettingsException.class, () -> settings(hocon, name -> null));
    assertTrue(e.getMessage().contains(key), e.getMessage());
  }
}
