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
 * that is not. Today a map lookup; this benchmark keeps it honest as balancing strategies arrive.
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
    Config config = ConfigFactory.parseString(hocon.toString()).withFallback(ConfigFactory.load()).resolve();
    SwitchboardSettings settings = SwitchboardSettings.from(config, name -> null);
    CompletableFuture<ModelRouter> built = new CompletableFuture<>();
    system = ActorSystem.create(Behaviors.setup(context -> {
      built.complete(ModelRouter.of(settings,
          Providers.start(context, settings, OpenAiJson.newMapper(), Clock.systemUTC(), new InMemoryStore())));
      return Behaviors.empty();
    }), "routing-bench", config);
    router = built.get(30, TimeUnit.SECONDS);
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
}
