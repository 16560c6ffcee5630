package io.switchboard.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.config.ModelSettings;
import io.switchboard.config.Pricing;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.persistence.InMemoryStateStore;
import io.switchboard.provider.Providers;
import io.switchboard.routing.ModelRouter;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two nodes' registries on one store, with no replication between them: the store's revision orders
 * their changes, so a node whose registry is behind does not overwrite the other's change but applies
 * its own on top of it; and a node that reloads serves what the other saved.
 */
@Tag("unit")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelRegistryTest {
  @JUnit5TestKit final ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  /** A fresh database per test; the test kit is shared by the class. */
  private InMemoryStateStore<StoredRegistry> store;
  private final RegistryJson json = new RegistryJson();
  private final SwitchboardSettings settings = SwitchboardSettings.from(ConfigFactory.parseString("""
      switchboard.providers.other { kind = simulated }
      """).withFallback(ConfigFactory.load()).resolve(), k -> null);
  private final RegistryRules rules = new RegistryRules(settings.providers().keySet());

  @BeforeEach
  void freshStore() {
    store = new InMemoryStateStore<>();
  }

  private ModelRouter router() throws Exception {
    CompletableFuture<ModelRouter> router = new CompletableFuture<>();
    testKit.spawn(Behaviors.<Void>setup(context -> {
      router.complete(ModelRouter.of(settings, Providers.start(context, settings, OpenAiJson.newMapper(),
          Clock.systemUTC(), new InMemoryStateStore<>())));
      return Behaviors.empty();
    }));
    return router.get(10, TimeUnit.SECONDS);
  }

  private ModelRegistry node() throws Exception {
    StoredRegistry loaded = RegistrySeed.load(store, settings, json, rules).toCompletableFuture().get(5, TimeUnit.SECONDS);
    return new ModelRegistry(store, json, rules, router(), loaded);
  }

  private static ModelSettings model(String name) {
    return new ModelSettings(name, List.of(new ModelSettings.DeploymentSettings("other", name, 8, 0, Pricing.FREE, Set.of())));
  }

  private static ModelRegistry.Change add(ModelRegistry node, String name) throws Exception {
    return node.change(r -> r.withModel(model(name)), false).toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void aNodeBehind_appliesItsChangeOnTopOfTheOthers_insteadOfOverwritingIt() throws Exception {
    ModelRegistry a = node();
    ModelRegistry b = node();

    assertEquals(2, add(a, "from-a").version());
    ModelRegistry.Change fromB = add(b, "from-b");

    assertEquals(3, fromB.version());
    assertTrue(b.current().registry().models().keySet().containsAll(Set.of("from-a", "from-b")));
    assertEquals(Set.of("from-a", "from-b"), Set.copyOf(json.read(store.stored(RegistrySeed.PERSISTENCE_ID)
        .orElseThrow().value().json().getBytes()).models().keySet().stream().filter(n -> n.startsWith("from")).toList()));
  }

  @Test
  void aReload_servesWhatAnotherNodeSaved() throws Exception {
    ModelRegistry a = node();
    ModelRegistry b = node();
    add(a, "fresh");
    assertFalse(b.current().registry().models().containsKey("fresh"));

    b.reload().toCompletableFuture().get(5, TimeUnit.SECONDS);

    assertTrue(b.current().registry().models().containsKey("fresh"));
    assertEquals(a.current().version(), b.current().version());
  }

  @Test
  void anOlderVersion_isNotAdopted() throws Exception {
    ModelRegistry a = node();
    StoredRegistry old = a.current().stored();
    add(a, "fresh");

    a.adopt(old);

    assertTrue(a.current().registry().models().containsKey("fresh"));
  }
}
