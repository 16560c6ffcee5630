package io.switchboard.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.ModelSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.persistence.InMemoryStateStore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Which registry a node starts with: the stored one, or the configuration file's, and when. */
@Tag("unit")
class RegistrySeedTest {
  private final RegistryJson json = new RegistryJson();
  private final RegistryRules rules = new RegistryRules(java.util.Set.of("simulated", "other"));
  private final InMemoryStateStore<StoredRegistry> store = new InMemoryStateStore<>();

  private static SwitchboardSettings settings(String hocon) {
    return SwitchboardSettings.from(ConfigFactory.parseString("""
        switchboard.providers.other { kind = simulated }
        """ + hocon).withFallback(ConfigFactory.load()).resolve(), k -> null);
  }

  private StoredRegistry start(SwitchboardSettings settings) throws Exception {
    return RegistrySeed.load(store, settings, json, rules).toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private Registry registry(StoredRegistry stored) {
    return json.read(stored.json().getBytes(StandardCharsets.UTF_8));
  }

  /** A change made at run time, as the admin API saves it. */
  private void changeAtRunTime(StoredRegistry from) throws Exception {
    Registry changed = registry(from).withModel(new ModelSettings("added",
        List.of(new ModelSettings.DeploymentSettings("other", "x", 8, 0, io.switchboard.config.Pricing.FREE, java.util.Set.of()))));
    store.save(RegistrySeed.PERSISTENCE_ID, from.version() + 1, new StoredRegistry(from.version() + 1, from.seed(),
        new String(json.write(changed), StandardCharsets.UTF_8))).toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void aFirstStart_isSeededFromTheFile_atVersion1() throws Exception {
    StoredRegistry seeded = start(settings(""));

    assertEquals(1, seeded.version());
    assertEquals(Registry.of(settings("")), registry(seeded));
    assertEquals(seeded, store.stored(RegistrySeed.PERSISTENCE_ID).orElseThrow().value());
  }

  @Test
  void aRestartWithTheSameFile_keepsTheChangesMadeAtRunTime() throws Exception {
    changeAtRunTime(start(settings("")));

    StoredRegistry restarted = start(settings(""));

    assertEquals(2, restarted.version());
    assertTrue(registry(restarted).models().containsKey("added"));
  }

  @Test
  void aRestartWithAnEditedFile_seedsAgain_atTheNextVersion() throws Exception {
    changeAtRunTime(start(settings("")));

    StoredRegistry restarted = start(settings("switchboard.models.edited { provider = other }"));

    assertEquals(3, restarted.version());
    assertTrue(registry(restarted).models().containsKey("edited"));
    assertTrue(!registry(restarted).models().containsKey("added"), "the file replaced the registry");
  }

  @Test
  void withFirstStart_anEditedFile_doesNotReplaceTheStoredRegistry() throws Exception {
    changeAtRunTime(start(settings("switchboard.registry.seed = first-start")));

    StoredRegistry restarted = start(settings("""
        switchboard.registry.seed = first-start
        switchboard.models.edited { provider = other }
        """));

    assertEquals(2, restarted.version());
    assertTrue(registry(restarted).models().containsKey("added"));
    assertTrue(!registry(restarted).models().containsKey("edited"));
  }

  @Test
  void aStoredRegistryNamingAProviderThisNodeLacks_isReplacedByTheFile() throws Exception {
    StoredRegistry seeded = start(settings("switchboard.registry.seed = first-start"));
    RegistryRules fewerProviders = new RegistryRules(java.util.Set.of("simulated"));
    changeAtRunTime(seeded);

    StoredRegistry restarted = RegistrySeed.load(store, settings("""
        switchboard.registry.seed = first-start
        """), json, fewerProviders).toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertEquals(3, restarted.version());
    assertTrue(!registry(restarted).models().containsKey("added"));
  }
}
