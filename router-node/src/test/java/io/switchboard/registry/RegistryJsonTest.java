package io.switchboard.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.Capability;
import io.switchboard.config.ModelSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.config.TaskKind;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The registry's JSON: canonical, read back to the same records, and refused with the path of the field at fault. */
@Tag("unit")
class RegistryJsonTest {
  private final RegistryJson json = new RegistryJson();
  private final RegistryRules rules = new RegistryRules(Set.of("openai", "local"));

  private static SwitchboardSettings settings() {
    return SwitchboardSettings.from(ConfigFactory.parseString("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.providers.openai { kind = openai }
        switchboard.providers.local { kind = simulated }
        switchboard.models.gpt {
          strategy = least-busy
          deployments = [
            { provider = openai, upstream-model = gpt-4o, input-price-per-million = "2.50",
              output-price-per-million = 10, context-window = 128000, capabilities = [vision, tools] },
            { provider = local, weight = 0 }
          ]
          strengths { code = 0.9, chat = 0.75 }
          tags = [fast, general]
        }
        switchboard.models.cheap { provider = local, upstream-model = tiny, tags = [cheap] }
        """).withFallback(ConfigFactory.load()).resolve(), k -> null);
  }

  private Registry read(String text) {
    Registry registry = json.read(text.getBytes(StandardCharsets.UTF_8));
    rules.check(registry);
    return registry;
  }

  private InvalidRegistryException refused(String text) {
    return assertThrows(InvalidRegistryException.class, () -> read(text));
  }

  @Test
  void export_importAndReexport_areTheSameBytes_andTheSameRecords() {
    Registry configured = Registry.of(settings());
    byte[] exported = json.write(configured);

    Registry imported = json.read(exported);

    assertEquals(configured, imported);
    assertEquals(new String(exported, StandardCharsets.UTF_8), new String(json.write(imported), StandardCharsets.UTF_8));
  }

  @Test
  void export_isSnakeCase_withConfigNames_sortedSets_andExactPrices() {
    String text = new String(json.write(Registry.of(settings())), StandardCharsets.UTF_8);

    assertTrue(text.contains("\"strategy\" : \"least-busy\""), text);
    assertTrue(text.contains("\"upstream_model\" : \"gpt-4o\""), text);
    assertTrue(text.contains("\"input_per_million\" : 2.50"), text);
    assertTrue(text.contains("\"capabilities\" : [ \"tools\", \"vision\" ]"), text);
    assertTrue(text.contains("\"strengths\" : {\n        \"code\" : 0.9,\n        \"chat\" : 0.75"), text);
    assertTrue(text.indexOf("\"cheap\"") < text.indexOf("\"gpt\""), "models by name: " + text);
    assertTrue(!text.contains("\"name\""), "the key is the name: " + text);
  }

  @Test
  void aHandWrittenModel_getsTheDefaults_ofTheConfigurationFile() {
    Registry registry = read("""
        {"models": {"m": {"deployments": [{"provider": "local"}]}}}""");

    ModelSettings m = registry.models().get("m");
    assertEquals(ModelSettings.Strategy.ORDERED, m.strategy());
    assertEquals("m", m.primary().upstreamModel());
    assertEquals(4096, m.primary().maxOutputTokens());
    assertEquals(1, m.primary().weight());
    assertEquals(Set.of(Capability.TOOLS, Capability.JSON, Capability.STREAMING), m.primary().capabilities());
    assertEquals(0, m.primary().pricing().inputPerMillion().compareTo(BigDecimal.ZERO));
    assertEquals(java.time.Duration.ZERO, m.primary().firstTokenTimeout(), "no first-token limit");
    assertTrue(registry.routes().isEmpty());
  }

  @Test
  void aFirstTokenTimeout_isReadAndWritten_asAnIsoDuration() {
    Registry registry = read("""
        {"models": {"m": {"deployments": [{"provider": "local", "first_token_timeout": "PT2.5S"}]}}}""");

    assertEquals(java.time.Duration.ofMillis(2500), registry.models().get("m").primary().firstTokenTimeout());
    String text = new String(json.write(registry), StandardCharsets.UTF_8);
    assertTrue(text.contains("\"first_token_timeout\" : \"PT2.5S\""), text);
  }

  @Test
  void strengthsAndTags_areRead_byTheirConfigNames() {
    Registry registry = read("""
        {"models": {"m": {"deployments": [{"provider": "local"}], "strengths": {"code": 1, "Summarisation": 0.5},
          "tags": ["x"]}}, "routes": {}}""");

    assertEquals(1.0, registry.models().get("m").strengths().get(TaskKind.CODE));
    assertEquals(0.5, registry.models().get("m").strengths().get(TaskKind.SUMMARISATION));
  }

  @Test
  void anUnknownProvider_isRefused_namingTheDeploymentsProvider() {
    InvalidRegistryException e = refused("""
        {"models": {"gpt": {"deployments": [{"provider": "local"}, {"provider": "azure"}]}}}""");

    assertEquals("models.gpt.deployments[1].provider", e.param());
    assertTrue(e.getMessage().contains("azure"), e.getMessage());
  }

  @Test
  void aNegativePrice_isRefused_namingThePrice() {
    InvalidRegistryException e = refused("""
        {"models": {"gpt": {"deployments": [{"provider": "local", "pricing": {"output_per_million": -1}}]}}}""");

    assertEquals("models.gpt.deployments[0].pricing.output_per_million", e.param());
  }

  @Test
  void aStrengthOutOfRange_isRefused_namingTheStrength() {
    InvalidRegistryException e = refused("""
        {"models": {"gpt": {"deployments": [{"provider": "local"}], "strengths": {"code": 1.5}}}}""");

    assertEquals("models.gpt.strengths.code", e.param());
  }

  @Test
  void anUnknownTaskKind_isRefused_namingTheStrengths() {
    InvalidRegistryException e = refused("""
        {"models": {"gpt": {"deployments": [{"provider": "local"}], "strengths": {"poetry": 0.5}}}}""");

    assertTrue(e.param().startsWith("models.gpt.strengths"), e.param());
    assertTrue(e.getMessage().contains("code, reasoning, summarisation, extraction, chat"), e.getMessage());
  }

  @Test
  void anUnknownCapability_isRefused_namingTheElement_andListingTheKnown() {
    InvalidRegistryException e = refused("""
        {"models": {"gpt": {"deployments": [{"provider": "local", "capabilities": ["tools", "telepathy"]}]}}}""");

    assertEquals("models.gpt.deployments[0].capabilities[1]", e.param());
    assertTrue(e.getMessage().contains("tools, json, vision, streaming"), e.getMessage());
  }

  @Test
  void emptyDeployments_areRefused() {
    assertEquals("models.gpt.deployments", refused("{\"models\": {\"gpt\": {\"deployments\": []}}}").param());
  }

  @Test
  void anUnknownField_isRefused_namingIt() {
    InvalidRegistryException e = refused("""
        {"models": {"gpt": {"deployments": [{"provider": "local", "context_windw": 5}]}}}""");

    assertEquals("models.gpt.deployments[0].context_windw", e.param());
  }

  @Test
  void aWrongType_isRefused_namingTheField() {
    InvalidRegistryException e = refused("""
        {"models": {"gpt": {"deployments": [{"provider": "local", "max_output_tokens": "many"}]}}}""");

    assertEquals("models.gpt.deployments[0].max_output_tokens", e.param());
  }

  @Test
  void aRouteNamingAnUnknownModel_isRefused_namingTheCandidate() {
    InvalidRegistryException e = refused("""
        {"models": {"gpt": {"deployments": [{"provider": "local"}]}},
         "routes": {"auto": {"candidates": ["gpt", "claude"], "objective": {"cost": 1, "latency": 0, "quality": 1}}}}""");

    assertEquals("routes.auto.candidates[1]", e.param());
  }

  @Test
  void aRouteTakingAModelsName_isRefused() {
    InvalidRegistryException e = refused("""
        {"models": {"gpt": {"deployments": [{"provider": "local"}]}},
         "routes": {"gpt": {"candidates": ["gpt"], "objective": {"cost": 1, "latency": 0, "quality": 0}}}}""");

    assertEquals("routes.gpt", e.param());
  }

  @Test
  void aRoute_isReadWithItsDefaults_andWrittenBackTheSame() {
    Registry registry = read("""
        {"models": {"gpt": {"deployments": [{"provider": "local"}]}, "mini": {"deployments": [{"provider": "local"}]}},
         "routes": {"auto": {"candidates": ["mini", "gpt"], "objective": {"cost": 2, "latency": 1, "quality": 1},
           "limits": {"max_price_per_request_usd": 0.01, "max_latency": "PT2S", "requires": ["tools"]},
           "fallbacks": [{"when": "context-exceeded", "model": "gpt"}]}}}""");

    byte[] once = json.write(registry);
    assertEquals(new String(once, StandardCharsets.UTF_8), new String(json.write(json.read(once)), StandardCharsets.UTF_8));
    assertTrue(registry.routes().get("auto").limits().contextMustFit());
    assertTrue(new String(once, StandardCharsets.UTF_8).contains("\"when\" : \"context-exceeded\""));
  }

  @Test
  void anEmptyRegistry_isRefused() {
    assertEquals("models", refused("{\"models\": {}}").param());
  }
}
