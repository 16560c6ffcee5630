package io.switchboard.bench.jmh;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.Providers;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.ModelRouter;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The routing decision: {@link ModelRouter#route} for a model that is configured (one of 50) and one
 * that is not, and for a model of three deployments under each balancing strategy. The least-busy
 * model's load view is not refreshed here (the refresher runs beside requests, not in them), so its
 * figure is the per-request cost: three atomic reads, a random draw for ties and the pick's increment.
 * The latency model's deployments have samples, so its figure is the power-of-two-choices path.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class RoutingBenchmark {
  private ActorSystem<Void> system;
  private ModelRouter router;

  @Setup
  public void start() throws Exception {
    StringBuilder hocon = new StringBuilder("switchboard.providers.simulated = null\n"
        + "switchboard.models.switchboard-sim = null\n");
    for (int p = 0; p < 5; p++) hocon.append("switchboard.providers.p").append(p).append(".kind = simulated\n");
    for (int m = 0; m < 50; m++) {
      hocon.append("switchboard.models.model-").append(m).append(".provider = p").append(m % 5).append('\n');
    }
    for (String strategy : List.of("ordered", "weighted", "least-busy", "latency")) {
      hocon.append("switchboard.models.").append(strategy).append(" { strategy = ").append(strategy)
          .append(", deployments = [ { provider = p0, weight = 3 }, { provider = p1 }, { provider = p2, weight = 2 } ] }\n");
    }
    // No probe during the run: the figure is the steady-state choice.
    hocon.append("switchboard.balancing.latency.probe-after = 1h\n");
    Config config = ConfigFactory.parseString(hocon.toString()).withFallback(ConfigFactory.load()).resolve();
    SwitchboardSettings settings = SwitchboardSettings.from(config, name -> null);
    CompletableFuture<ModelRouter> built = new CompletableFuture<>();
    system = ActorSystem.create(Behaviors.setup(context -> {
      built.complete(ModelRouter.of(settings,
          Providers.start(context, settings, OpenAiJson.newMapper(), Clock.systemUTC(), new InMemoryStore())));
      return Behaviors.empty();
    }), "routing-bench", config);
    router = built.get(30, TimeUnit.SECONDS);
    List<Deployment> measured = router.models().get("latency");
    long now = System.currentTimeMillis();
    for (int i = 0; i < measured.size(); i++) measured.get(i).latency().observe(100L * (i + 1), now);
  }

  @TearDown
  public void stop() {
    system.terminate();
  }

  @Benchmark
  public Optional<List<Deployment>> routeKnownModel() {
    return router.route("model-37");
  }

  @Benchmark
  public Optional<List<Deployment>> routeUnknownModel() {
    return router.route("gpt-unknown");
  }

  @Benchmark
  public Optional<List<Deployment>> routeOrdered() {
    return router.route("ordered");
  }

  @Benchmark
  public Optional<List<Deployment>> routeWeighted() {
    return router.route("weighted");
  }

  @Benchmark
  public Optional<List<Deployment>> routeLeastBusy() {
    return router.route("least-busy");
  }

  @Benchmark
  public Optional<List<Deployment>> routeLatency() {
    return router.route("latency");
  }
}
