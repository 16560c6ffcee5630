package io.switchboard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the {@code switchboard} section: defaults, overrides, secrets and the mistakes it refuses. */
@Tag("unit")
class SwitchboardSettingsTest {
  private static final Function<String, String> NO_ENV = k -> null;

  /** The given HOCON laid over the defaults, read with {@code env} as the environment. */
  private static SwitchboardSettings settings(String hocon, Function<String, String> env) {
    return SwitchboardSettings.from(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve(), env);
  }

  private static SwitchboardSettings settings(String hocon) {
    return settings(hocon, NO_ENV);
  }

  /** Reading the HOCON fails; returns the message, after checking it names {@code key}. */
  private static String failure(String hocon, String key) {
    SettingsException e = assertThrows(SettingsException.class, () -> settings(hocon));
    assertTrue(e.getMessage().contains(key), "message should name " + key + ": " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void defaults_serveTheSimulatedModelOnLocalhost() {
    SwitchboardSettings s = SwitchboardSettings.from(ConfigFactory.load(), NO_ENV);

    assertEquals(Set.of("switchboard-sim"), s.models().keySet());
    ModelSettings model = s.models().get("switchboard-sim");
    assertEquals("simulated", model.primary().provider());
    assertEquals("switchboard-sim-1", model.primary().upstreamModel());
    assertEquals(Set.of("simulated"), s.providers().keySet());
    assertEquals(ProviderKind.SIMULATED, s.providers().get("simulated").kind());
    assertEquals("127.0.0.1", s.http().host());
    assertEquals(8080, s.http().port());
    assertEquals(4L * 1024 * 1024, s.http().maxRequestBody());
  }

  @Test
  void connectionPoolClient_isNettyByDefault_pekkoPerProvider_andAnythingElseStopsTheStart() {
    SwitchboardSettings s = settings("""
        switchboard.providers.a { kind = openai, openai.base-url = "http://127.0.0.1:1" }
        switchboard.providers.b { kind = openai, openai.base-url = "http://127.0.0.1:1", connection-pool.client = pekko }
        """);
    assertEquals(ProviderSettings.Client.NETTY, s.providers().get("a").client());
    assertEquals(ProviderSettings.Client.PEKKO, s.providers().get("b").client());
    assertEquals(ProviderSettings.Client.PEKKO, settings("switchboard.provider-defaults.connection-pool.client = pekko")
        .providers().get("simulated").client());

    String message = failure("switchboard.provider-defaults.connection-pool.client = okhttp",
        "switchboard.providers.simulated.connection-pool.client");
    assertTrue(message.contains("pekko or netty"), message);
  }

  @Test
  void firstTokenTimeout_isOffByDefault_setPerModel_overriddenPerDeployment_andNeverNegative() {
    assertEquals(java.time.Duration.ZERO, SwitchboardSettings.from(ConfigFactory.load(), NO_ENV).models()
        .get("switchboard-sim").primary().firstTokenTimeout());
    ModelSettings model = settings("""
        switchboard.models.m {
          first-token-timeout = 3s
          deployments = [ { provider = simulated }, { provider = simulated, first-token-timeout = 1s } ]
        }
        """).models().get("m");
    assertEquals(java.time.Duration.ofSeconds(3), model.deployments().get(0).firstTokenTimeout());
    assertEquals(java.time.Duration.ofSeconds(1), model.deployments().get(1).firstTokenTimeout());
    failure("switchboard.models.m { provider = simulated, first-token-timeout = -1s }",
        "switchboard.models.m.first-token-timeout");
  }

  @Test
  void midStreamFailover_isOffByDefault_onPerModelOrForAll_andTheModelsForEachDeployment() {
    assertFalse(SwitchboardSettings.from(ConfigFactory.load(), NO_ENV).models().get("switchboard-sim").primary()
        .midStreamFailover());
    SwitchboardSettings s = settings("""
        switchboard.models.m {
          mid-stream-failover = on
          deployments = [ { provider = simulated }, { provider = simulated, mid-stream-failover = off } ]
        }
        switchboard.models.plain { provider = simulated }
        """);
    assertTrue(s.models().get("m").deployments().stream().allMatch(ModelSettings.DeploymentSettings::midStreamFailover),
        "a model's setting, not a deployment's");
    assertFalse(s.models().get("plain").primary().midStreamFailover());
    assertTrue(settings("switchboard.model-defaults.mid-stream-failover = on\nswitchboard.models.p { provider = simulated }")
        .models().get("p").primary().midStreamFailover());
    failure("switchboard.models.m { provider = simulated, mid-stream-failover = sometimes }", "mid-stream-failover");
  }

  @Test
  void providerEntry_inheritsUnsetKeysFromProviderDefaults_andOverridesTheOthers() {
    SwitchboardSettings s = settings("""
        switchboard.providers.p {
          kind = simulated
          max-in-flight = 3
          queue.max-wait = 2s
          timeouts.connect = 1s
          simulated.latency = 10ms
        }
        """);
    ProviderSettings p = s.providers().get("p");
    ProviderSettings defaults = s.providers().get("simulated");

    assertEquals(3, p.maxInFlight());
    assertEquals(Duration.ofSeconds(2), p.queue().maxWait());
    assertEquals(Duration.ofSeconds(1), p.timeouts().connect());
    assertEquals(Duration.ofMillis(10), p.simulated().latency());

    // Siblings of the overridden keys, in the same nested sections, still come from provider-defaults.
    assertEquals(1024, p.queue().maxSize());
    assertEquals(Duration.ofSeconds(60), p.timeouts().firstByte());
    assertEquals(Duration.ofSeconds(600), p.timeouts().total());
    assertEquals(40.0, p.simulated().tokensPerSecond());
    assertEquals(42L, p.simulated().seed());
    assertEquals(64, p.maxConnections());
    assertEquals(1024 * 1024, p.maxStreamEvent());
    assertEquals(defaults.supervision(), p.supervision());
    assertEquals(64, defaults.maxInFlight(), "one provider's overrides must not leak into another");
  }

  @Test
  void nullEntries_removeTheDefaultProviderAndModel() {
    SwitchboardSettings s = settings("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.providers.local { kind = simulated }
        switchboard.models.mine { provider = local }
        """);

    assertEquals(Set.of("local"), s.providers().keySet());
    assertEquals(Set.of("mine"), s.models().keySet());
    assertEquals("mine", s.models().get("mine").primary().upstreamModel(), "upstream-model defaults to the model name");
  }

  @Test
  void openAiProvider_readsItsKeyFromTheNamedEnvironmentVariable_andNeverPrintsIt() {
    String key = "sk-live-9d2e7b13c0";
    String hocon = """
        switchboard.providers.oa {
          kind = openai
          openai { base-url = "http://localhost:8000/v1//", api-key-env = "OA_KEY" }
        }
        """;

    ProviderSettings p = settings(hocon, Map.of("OA_KEY", key + "\n")::get).providers().get("oa");

    assertEquals(ProviderKind.OPENAI, p.kind());
    assertNull(p.simulated());
    assertEquals("http://localhost:8000/v1", p.openai().baseUrl());
    assertEquals("OA_KEY", p.openai().apiKeyEnv());
    Secret secret = p.openai().apiKey().orElseThrow();
    assertEquals(key, secret.reveal(), "the key is read from OA_KEY, surrounding whitespace removed");
    assertFalse(secret.toString().contains(key), secret.toString());
    assertFalse(p.openai().toString().contains(key), p.openai().toString());
    assertFalse(p.toString().contains(key), p.toString());

    ProviderSettings unset = settings(hocon, NO_ENV).providers().get("oa");
    assertEquals(Optional.empty(), unset.openai().apiKey());
  }

  @Test
  void warmUp_isOnInTheShippedDefaults_offInTests_andBadValuesNameTheirKey() {
    WarmUpSettings shipped = SwitchboardSettings.from(ConfigFactory.defaultReference().resolve(), NO_ENV).warmUp();
    assertEquals(new WarmUpSettings(true, Duration.ofSeconds(20), 2000, 16), shipped);
    assertFalse(settings("").warmUp().enabled(), "application-test.conf turns it off for every test node");
    assertEquals(new WarmUpSettings(true, Duration.ofSeconds(5), 10, 2),
        settings("switchboard.warm-up { enabled = on, max-duration = 5s, requests = 10, concurrency = 2 }").warmUp());
    failure("switchboard.warm-up.requests = 0", "switchboard.warm-up.requests");
    failure("switchboard.warm-up.concurrency = 0", "switchboard.warm-up.concurrency");
    failure("switchboard.warm-up.concurrency = 2000", "switchboard.warm-up.concurrency");
    failure("switchboard.warm-up.max-duration = 0s", "switchboard.warm-up.max-duration");
  }

  @Test
  void theWarmUpsInMemoryStore_isNotOneAFileCanChoose() {
    String message = failure("switchboard.persistence.store = h2_memory", "switchboard.persistence.store");
    assertTrue(message.contains("h2, postgres"), message);
  }

  @Test
  void unknownKind_namesTheKey() {
    String message = failure("switchboard.providers.p { kind = gemini }", "switchboard.providers.p.kind");
    assertTrue(message.contains("gemini"), message);
    assertTrue(message.contains("anthropic, ollama"), "names the kinds there are: " + message);
  }

  @Test
  void modelForAMissingProvider_namesTheModelKey() {
    failure("switchboard.models.fast { provider = nowhere }", "switchboard.models.fast.provider");
    failure("switchboard.providers.simulated = null", "switchboard.models.switchboard-sim.provider");
  }

  @Test
  void errorRateOutsideZeroToOne_namesTheKey() {
    failure("switchboard.providers.p { kind = simulated, simulated.error-rate = 1.5 }",
        "switchboard.providers.p.simulated.error-rate");
    failure("switchboard.providers.p { kind = simulated, simulated.error-rate = -0.1 }",
        "switchboard.providers.p.simulated.error-rate");
  }

  @Test
  void maxInFlightZero_namesTheKey() {
    failure("switchboard.providers.p { kind = simulated, max-in-flight = 0 }", "switchboard.providers.p.max-in-flight");
  }

  @Test
  void baseUrlWithoutHttpScheme_namesTheKey() {
    failure("switchboard.providers.p { kind = openai, openai.base-url = \"api.openai.com/v1\" }",
        "switchboard.providers.p.openai.base-url");
  }

  @Test
  void noModelsAtAll_isRefused() {
    failure("switchboard.models.switchboard-sim = null", "switchboard.models");
  }

  @Test
  void load_readsAHoconFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("switchboard.conf");
    Files.writeString(file, """
        switchboard {
          http.port = 9191
          models.extra { provider = simulated, upstream-model = sim-2 }
        }
        """);

    SwitchboardSettings s = SwitchboardSettings.from(SwitchboardSettings.load(Optional.of(file)), NO_ENV);

    assertEquals(9191, s.http().port());
    assertEquals("sim-2", s.models().get("extra").primary().upstreamModel());
    assertTrue(s.models().containsKey("switchboard-sim"), "the file is laid over the defaults");
  }

  @Test
  void http2_isOffByDefault_andOnWhenAsked_keepingItWhenThePortChanges() {
    assertFalse(settings("").http().http2(), "HTTP/2 cleartext is opt-in");

    HttpSettings http = settings("switchboard.http.http2 = on").http();

    assertTrue(http.http2());
    assertTrue(http.withPort(0).http2(), "a test's random port keeps the setting");
  }

  @Test
  void load_missingFile_namesThePath(@TempDir Path dir) {
    Path missing = dir.resolve("nope.conf");

    SettingsException e = assertThrows(SettingsException.class, () -> SwitchboardSettings.load(Optional.of(missing)));

    assertTrue(e.getMessage().contains(missing.toAbsolutePath().toString()), e.getMessage());
  }

  @Test
  void breakerWhoseMaximumResetIsShorterThanItsFirst_isRefusedNamingBothKeys() {
    String message = failure("""
        switchboard.providers.p { kind = simulated, breaker { reset-timeout = 10m, max-reset-timeout = 5m } }
        """, "switchboard.providers.p.breaker.max-reset-timeout");
    assertTrue(message.contains("breaker.reset-timeout"), message);
  }

  @Test
  void resetTimeoutAboveTheDefaultCap_isRefusedAtStart_namingTheCap() {
    String message = failure("""
        switchboard.providers.p { kind = simulated, breaker.reset-timeout = 30s }
        """, "switchboard.providers.p.breaker.max-reset-timeout");
    assertTrue(message.contains("PT10S"), message);
  }

  @Test
  void breakerDefaults_capTheResetBackoffAtTenSeconds() {
    SwitchboardSettings s = settings("""
        switchboard.providers.p { kind = simulated }
        """);
    assertEquals(Duration.ofSeconds(10), s.providers().get("p").breaker().maxResetTimeout());
  }

  @Test
  void limitsAndDeployments_areRead_withTheirDefaults() {
    SwitchboardSettings s = settings("""
        switchboard.providers.a { kind = simulated, limits { requests-per-minute = 500, models { "m-1" { tokens-per-minute = 9000 } } } }
        switchboard.providers.b { kind = simulated }
        switchboard.models.alias.deployments = [
          { provider = a, upstream-model = "m-1", context-window = 8192 },
          { provider = b }
        ]
        """);
    ProviderSettings a = s.providers().get("a");
    assertEquals(500, a.limits().provider().requestsPerMinute());
    assertEquals(9000, a.limits().model("m-1").tokensPerMinute());
    assertEquals(0, a.limits().model("other").tokensPerMinute());
    assertEquals(0.05, a.limits().headroom());
    ModelSettings alias = s.models().get("alias");
    assertEquals(2, alias.deployments().size());
    assertEquals(8192, alias.primary().contextWindow());
    assertEquals("alias", alias.deployments().get(1).upstreamModel(), "upstream-model defaults to the alias");
    assertEquals(4096, alias.deployments().get(1).maxOutputTokens());
  }

  @Test
  void modelWithBothProviderAndDeployments_isRefused() {
    failure("""
        switchboard.models.x { provider = simulated, deployments = [ { provider = simulated } ] }
        """, "switchboard.models.x");
  }

  @Test
  void negativeLimit_isRefusedNamingTheKey() {
    failure("switchboard.providers.p { kind = simulated, limits.tokens-per-minute = -1 }",
        "switchboard.providers.p.limits.tokens-per-minute");
  }

  @Test
  void catalogPricesAndCapabilities_areRead_perDeployment_withModelDefaults() {
    SwitchboardSettings s = settings("""
        switchboard.models.alias {
          input-price-per-million = 2.50, output-price-per-million = 10
          deployments = [
            { provider = simulated, capabilities = [tools, vision] },
            { provider = simulated, output-price-per-million = 0.6 }
          ]
        }
        """);
    ModelSettings.DeploymentSettings first = s.models().get("alias").deployments().get(0);
    ModelSettings.DeploymentSettings second = s.models().get("alias").deployments().get(1);
    assertEquals(Set.of(Capability.TOOLS, Capability.VISION), first.capabilities());
    assertEquals(Set.of(Capability.TOOLS, Capability.JSON, Capability.STREAMING), second.capabilities());
    // 1,000 prompt tokens at $2.50/M plus 500 completion tokens at $10/M: $0.0025 + $0.005.
    assertEquals(0, new java.math.BigDecimal("0.0075").compareTo(first.pricing().cost(1000, 500)));
    assertEquals(0, new java.math.BigDecimal("0.0028").compareTo(second.pricing().cost(1000, 500)));
    assertTrue(s.models().get("switchboard-sim").primary().pricing().isFree(), "no price set: free");
  }

  @Test
  void unknownCapabilityOrNegativePrice_isRefusedNamingTheKey() {
    failure("switchboard.models.x { provider = simulated, capabilities = [telepathy] }",
        "switchboard.models.x.capabilities");
    failure("switchboard.models.x { provider = simulated, input-price-per-million = -1 }",
        "switchboard.models.x");
  }

  @Test
  void strengthsAndTags_areRead_andABadOneIsRefusedNamingTheKey() {
    SwitchboardSettings s = settings("""
        switchboard.models.coder { provider = simulated, strengths { code = 0.9, chat = 0.4 }, tags = [fast] }
        """);
    assertEquals(java.util.Map.of(TaskKind.CODE, 0.9, TaskKind.CHAT, 0.4), s.models().get("coder").strengths());
    assertEquals(Set.of("fast"), s.models().get("coder").tags());
    assertTrue(s.models().get("switchboard-sim").strengths().isEmpty(), "none stated: none assumed");
    failure("switchboard.models.x { provider = simulated, strengths { poetry = 0.5 } }",
        "switchboard.models.x.strengths.poetry");
    failure("switchboard.models.x { provider = simulated, strengths { code = 1.5 } }",
        "switchboard.models.x.strengths.code");
  }

  @Test
  void cluster_isOffByDefault_andNeedsSeedsAndPostgresWhenOn() {
    assertFalse(settings("").cluster().enabled());
    failure("switchboard.cluster { enabled = on, seed-nodes = \"\" }", "switchboard.cluster.seed-nodes");
    failure("switchboard.cluster { enabled = on, seed-nodes = \"node-a\" }", "switchboard.cluster.seed-nodes");
    failure("switchboard.cluster { enabled = on, seed-nodes = \"127.0.0.1:25520\" }", "switchboard.persistence.store");
    SwitchboardSettings s = settings("""
        switchboard.persistence { store = postgres, postgres.password-env = "" }
        switchboard.cluster { enabled = on, port = 2552, seed-nodes = "10.0.0.1:2552, 10.0.0.2:2552" }
        """);
    assertEquals(java.util.List.of("10.0.0.1:2552", "10.0.0.2:2552"), s.cluster().seedNodes());
    assertEquals(2552, s.cluster().port());
  }
}
