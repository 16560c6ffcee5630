package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.config.ModelSettings;
import io.switchboard.config.Pricing;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.persistence.InMemoryStateStore;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.Permit;
import io.switchboard.provider.Providers;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link ModelRouter#update}, as the live registry calls it: new requests see the new models at once,
 * a request routed before keeps what it was given, a deployment that stays keeps its latency history,
 * and a model that becomes {@code least-busy} at run time is steered by its providers' load.
 */
@Tag("unit")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelRouterUpdateTest {
  @JUnit5TestKit final ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private record Node(ModelRouter router, Providers providers) {}

  private final List<ActorRef<Void>> started = new ArrayList<>();

  @AfterEach
  void stopNodes() {
    started.forEach(testKit::stop);
    started.clear();
  }

  private Node start() throws Exception {
    SwitchboardSettings settings = SwitchboardSettings.from(ConfigFactory.parseString("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.providers.a { kind = simulated, max-in-flight = 50 }
        switchboard.providers.b { kind = simulated, max-in-flight = 50 }
        switchboard.balancing.load-refresh-interval = 20ms
        switchboard.models.m { provider = a, upstream-model = x }
        switchboard.models.other { provider = b, upstream-model = z }
        """).withFallback(ConfigFactory.load()).resolve(), k -> null);
    CompletableFuture<Node> node = new CompletableFuture<>();
    started.add(testKit.spawn(Behaviors.setup(context -> {
      Providers providers = Providers.start(context, settings, OpenAiJson.newMapper(), Clock.systemUTC(),
          new InMemoryStateStore<>());
      node.complete(new Node(ModelRouter.start(context, settings, providers, Clock.systemUTC()), providers));
      return Behaviors.<Void>empty();
    })));
    return node.get(10, TimeUnit.SECONDS);
  }

  private static ModelSettings.DeploymentSettings at(String provider, String upstream) {
    return new ModelSettings.DeploymentSettings(provider, upstream, 64, 0, Pricing.FREE, Set.of());
  }

  private static Map<String, ModelSettings> models(ModelSettings... models) {
    Map<String, ModelSettings> byName = new java.util.LinkedHashMap<>();
    for (ModelSettings m : models) byName.put(m.name(), m);
    return byName;
  }

  @Test
  void anUpdate_servesTheNewModels_toTheNextRequest_andARequestRoutedBefore_keepsItsDeployments() throws Exception {
    ModelRouter router = start().router();
    List<Deployment> routedBefore = router.route("m").orElseThrow();

    router.update(models(new ModelSettings("n", List.of(at("b", "y")))), Map.of());

    assertTrue(router.route("m").isEmpty(), "a removed model is not chosen for new requests");
    assertEquals("b/y", router.route("n").orElseThrow().get(0).label());
    assertEquals(Set.of("n"), router.models().keySet());
    assertEquals(1, router.deployments().size());
    assertEquals("a/x", routedBefore.get(0).label(), "the request in flight still holds its deployment");
  }

  @Test
  void aDeploymentThatStays_keepsItsLatencyEstimate_andAChangedOneStartsAfresh() throws Exception {
    ModelRouter router = start().router();
    LatencyEstimate kept = router.route("m").orElseThrow().get(0).latency();
    LatencyEstimate replaced = router.route("other").orElseThrow().get(0).latency();

    router.update(models(new ModelSettings("m", List.of(at("a", "x"), at("b", "y"))),
        new ModelSettings("other", List.of(at("b", "z2")))), Map.of());

    assertSame(kept, router.route("m").orElseThrow().get(0).latency());
    assertNotSame(replaced, router.route("other").orElseThrow().get(0).latency());
  }

  @Test
  void aModelMadeLeastBusyAtRunTime_isSteeredByItsProvidersLoad() throws Exception {
    Node node = start();
    node.router().update(models(new ModelSettings("m", ModelSettings.Strategy.LEAST_BUSY,
        List.of(at("a", "x"), at("b", "y")))), Map.of());
    List<Permit> held = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 5_000;
    for (int i = 0; i < 20; i++) {
      held.add(node.providers().get("a").orElseThrow().acquire("x", 1, deadline, false)
          .toCompletableFuture().get(5, TimeUnit.SECONDS));
    }

    // Counting only its own picks the router would alternate; ten b's in a row need the refreshed 20 at a.
    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      for (int i = 0; i < 10; i++) assertEquals("b/y", node.router().route("m").orElseThrow().get(0).label());
      return null;
    });
    held.forEach(p -> p.release(CallOutcome.NOT_SENT));
  }
}
