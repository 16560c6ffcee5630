package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.persistence.InMemoryStateStore;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.Permit;
import io.switchboard.provider.Providers;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
 * What {@link ModelRouter#route} hands the dispatcher per strategy: the chosen deployment first and
 * the others after it in configuration order; an ordered alias exactly as configured; a least-busy
 * alias steered by the in-flight counts its load refresher reads from the provider actors.
 */
@Tag("unit")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelRouterBalancingTest {
  @JUnit5TestKit final ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private record Node(ModelRouter router, Providers providers) {}

  private final List<ActorRef<Void>> started = new ArrayList<>();

  @AfterEach
  void stopNodes() {
    started.forEach(testKit::stop);
    started.clear();
  }

  private Node start(String models) throws Exception {
    SwitchboardSettings settings = SwitchboardSettings.from(ConfigFactory.parseString("""
        switchboard.providers.simulated = null
        switchboard.models.switchboard-sim = null
        switchboard.providers.a { kind = simulated, max-in-flight = 50 }
        switchboard.providers.b { kind = simulated, max-in-flight = 50 }
        switchboard.providers.c { kind = simulated, max-in-flight = 50 }
        switchboard.balancing.load-refresh-interval = 20ms
        """ + models).withFallback(ConfigFactory.load()).resolve(), k -> null);
    CompletableFuture<Node> node = new CompletableFuture<>();
    started.add(testKit.spawn(Behaviors.setup(context -> {
      Providers providers = Providers.start(context, settings, OpenAiJson.newMapper(), Clock.systemUTC(),
          new InMemoryStateStore<>());
      node.complete(new Node(ModelRouter.start(context, settings, providers, Clock.systemUTC()), providers));
      return Behaviors.<Void>empty();
    })));
    return node.get(10, TimeUnit.SECONDS);
  }

  private static List<String> labels(List<Deployment> deployments) {
    return deployments.stream().map(Deployment::label).toList();
  }

  @Test
  void orderedAlias_isTheConfiguredFallbackList_everyTime_withoutBuildingANewList() throws Exception {
    ModelRouter router = start("""
        switchboard.models.m.deployments = [ { provider = b, upstream-model = x }, { provider = a, upstream-model = y } ]
        """).router();

    List<Deployment> first = router.route("m").orElseThrow();
    assertEquals(List.of("b/x", "a/y"), labels(first));
    for (int i = 0; i < 100; i++) assertSame(first, router.route("m").orElseThrow());
    assertTrue(router.route("unknown").isEmpty());
  }

  @Test
  void weightedAlias_putsTheChosenFirst_andTheOthersAfterInConfiguredOrder() throws Exception {
    ModelRouter router = start("""
        switchboard.models.m {
          strategy = weighted
          deployments = [
            { provider = a, upstream-model = x, weight = 1 }
            { provider = b, upstream-model = y, weight = 0 }
            { provider = c, upstream-model = z, weight = 1 }
          ]
        }
        """).router();

    Set<List<String>> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) seen.add(labels(router.route("m").orElseThrow()));

    assertEquals(Set.of(List.of("a/x", "b/y", "c/z"), List.of("c/z", "a/x", "b/y")), seen,
        "each weighted deployment first, the weight-0 one only ever a fallback");
  }

  @Test
  void leastBusyAlias_avoidsTheProviderWithRequestsInFlight_asItsRefresherReportsThem() throws Exception {
    Node node = start("""
        switchboard.models.m { strategy = least-busy, deployments = [ { provider = a, upstream-model = x }, { provider = b, upstream-model = y } ] }
        """);
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

  @Test
  void latencyAlias_sendsTheNextRequestToTheDeploymentThatAnsweredFaster() throws Exception {
    ModelRouter router = start("""
        switchboard.models.m { strategy = latency, deployments = [ { provider = a, upstream-model = x }, { provider = b, upstream-model = y } ] }
        """).router();
    List<Deployment> configured = router.models().get("m");
    long now = System.currentTimeMillis();
    configured.get(0).latency().observe(900, now);
    configured.get(1).latency().observe(100, now);

    for (int i = 0; i < 50; i++) {
      List<Deployment> order = router.route("m").orElseThrow();
      assertEquals(List.of("b/y", "a/x"), labels(order));
      assertNotEquals(order.get(0), order.get(1));
    }
  }
}
