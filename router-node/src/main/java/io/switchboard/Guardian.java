package io.switchboard;

import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.cluster.ClusterMembership;
import io.switchboard.config.SwitchboardSettings;
import com.github.benmanes.caffeine.cache.Ticker;
import io.switchboard.cache.ResponseCache;
import io.switchboard.cache.StreamReplay;
import io.switchboard.completions.TextCompletionsPipeline;
import io.switchboard.embeddings.EmbeddingsPipeline;
import io.switchboard.exchange.ChatPipeline;
import io.switchboard.exchange.FanOut;
import io.switchboard.http.HttpServer;
import io.switchboard.metrics.GatewayMetrics;
import io.switchboard.metrics.ProviderStatistics;
import io.switchboard.metrics.Telemetry;
import io.switchboard.orchestration.AutoRoutes;
import io.switchboard.provider.UsageReader;
import io.switchboard.provider.anthropic.AnthropicUsage;
import io.switchboard.responses.NativeResponsesPipeline;
import io.switchboard.responses.ResponseStore;
import io.switchboard.responses.ShardedResponseStore;
import io.switchboard.config.ResponseStoreSettings;
import io.switchboard.routing.Dispatcher;
import io.switchboard.tokens.TokenEstimator;
import java.util.Random;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.usage.Accounts;
import io.switchboard.persistence.JdbcPool;
import io.switchboard.persistence.Schema;
import io.switchboard.persistence.StateStore;
import io.switchboard.provider.ProviderState;
import io.switchboard.provider.Providers;
import io.switchboard.registry.ModelRegistry;
import io.switchboard.registry.RegistryJson;
import io.switchboard.registry.RegistryReplica;
import io.switchboard.registry.RegistryRules;
import io.switchboard.registry.RegistrySeed;
import io.switchboard.registry.StoredRegistry;
import io.switchboard.routing.ModelRouter;
import io.switchboard.history.NodeHistory;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.SessionAffinity;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import io.switchboard.warmup.WarmUp;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * Root of a node: prepares the persistence tables and loads (or seeds) the model registry, then starts
 * the provider actors (or, in a cluster, the shard region of provider entities), the router over them
 * with the registry's models, the registry's replica (in a cluster), and the HTTP server. Providers
 * start only once the tables exist, so they can load their state at once; a node whose database cannot
 * be reached never opens its port. Once the port is bound, with {@code switchboard.warm-up} on, the node
 * warms its request path through a throwaway gateway that this same class assembles ({@link WarmUp}), and
 * {@code /ready} answers 200 only after that.
 */
public final class Guardian {
  private Guardian() {}

  /** A node that is serving: where it listens and the providers it admits to. */
  public record Started(ServerBinding binding, Providers providers) {}

  /** The persistence, key and usage tables are ready, or could not be prepared ({@code error} set). */
  private record SchemaReady(Prepared prepared, Throwable error) {}

  /** What the node needs from its database before it serves: the key and usage pool, its model registry. */
  private record Prepared(JdbcPool pool, StoredRegistry registry) {}

  /** @param started completed once the port is bound, or failed when it cannot be or the database is unreachable */
  public static Behavior<Void> create(SwitchboardSettings settings, CompletableFuture<Started> started) {
    return create(settings, OpenAiJson.newMapper(), started);
  }

  /** As {@link #create(SwitchboardSettings, CompletableFuture)}, reading and writing JSON with {@code mapper}. */
  public static Behavior<Void> create(SwitchboardSettings settings, ObjectMapper mapper,
      CompletableFuture<Started> started) {
    return create(settings, mapper, Clock.systemUTC(), started);
  }

  /**
   * As {@link #create(SwitchboardSettings, ObjectMapper, CompletableFuture)}, reading the wall clock from
   * {@code clock} (admission, breakers, limits, usage): tests move it by hand.
   */
  public static Behavior<Void> create(SwitchboardSettings settings, ObjectMapper mapper, Clock clock,
      CompletableFuture<Started> started) {
    return create(settings, mapper, clock, WarmUp.Hooks.none(), started);
  }

  /**
   * As {@link #create(SwitchboardSettings, ObjectMapper, Clock, CompletableFuture)}, its warm-up (when
   * {@code switchboard.warm-up.enabled}) calling an upstream that answers as {@code warmUp} says, and
   * reporting how it went there.
   */
  public static Behavior<Void> create(SwitchboardSettings settings, ObjectMapper mapper, Clock clock,
      WarmUp.Hooks warmUp, CompletableFuture<Started> started) {
    return Behaviors.<Object>setup(context -> {
      RegistryJson registryJson = new RegistryJson();
      RegistryRules rules = new RegistryRules(settings.providers().keySet());
      StateStore<StoredRegistry> registryStore = StateStore.jdbc(context.getSystem(), StoredRegistry.class);
      context.pipeToSelf(Schema.create(context.getSystem(), settings.persistence())
              .thenCompose(done -> Accounts.prepare(context.getSystem(), settings.persistence(), mapper))
              .thenCompose(pool -> RegistrySeed.load(registryStore, settings, registryJson, rules)
                  .thenApply(registry -> new Prepared(pool, registry))),
          SchemaReady::new);
      return Behaviors.receive(Object.class)
          .onMessage(SchemaReady.class, ready -> {
            if (ready.error() != null) {
              started.completeExceptionally(ready.error());
              return Behaviors.stopped();
            }
            serve(context, settings, ready.prepared(), registryStore, registryJson, rules, mapper, clock, warmUp,
                started);
            return Behaviors.empty();
          })
          .build();
    }).narrow();
  }

  /**
   * Where {@code /v1/responses} stores responses: the one place to choose the store. Durable, one
   * event-sourced entity per response, sharded across the cluster when there is one.
   */
  static ResponseStore responseStore(ActorContext<?> context, SwitchboardSettings settings) {
    return ShardedResponseStore.start(context, Clock.systemUTC(),
        ResponseStoreSettings.from(context.getSystem().settings().config()));
  }

  private static void serve(ActorContext<?> context, SwitchboardSettings settings, Prepared prepared,
      StateStore<StoredRegistry> registryStore, RegistryJson registryJson, RegistryRules rules, ObjectMapper mapper,
      Clock clock, WarmUp.Hooks warmUp, CompletableFuture<Started> started) {
    // Not ready before the warm-up is over: a node that joins under load is not served cold.
    AtomicBoolean warm = new AtomicBoolean(!settings.warmUp().enabled());
    Providers providers = Providers.start(context, settings, mapper, clock,
        StateStore.jdbc(context.getSystem(), ProviderState.class));
    ModelRouter router = ModelRouter.start(context, settings, providers, clock);
    ModelRegistry registry = new ModelRegistry(registryStore, registryJson, rules, router, prepared.registry());
    if (settings.cluster().enabled()) {
      registry.publishTo(RegistryReplica.publisher(context.spawn(
          RegistryReplica.create(registry, settings.registry().replicationTimeout(),
              settings.registry().reloadInterval()), "registry-replica")));
    }
    ClusterMembership membership = ClusterMembership.start(context.getSystem(), settings.cluster());
    Accounts accounts = Accounts.start(context, settings, prepared.pool(), mapper, clock);
    NodeHistory history = NodeHistory.start(context, settings.history(), settings.cluster().enabled(),
        router.deployments().stream().map(Deployment::label).distinct().toList());
    Telemetry telemetry = new Telemetry(new GatewayMetrics(), new ProviderStatistics(settings.metrics(), clock), history,
        clock);
    registry.bindTo(telemetry.metrics().registry());
    TokenEstimator estimator = new TokenEstimator();
    Dispatcher dispatcher = new Dispatcher(clock, context.getSystem(), new Random(), telemetry);
    AutoRoutes routes = AutoRoutes.following(router, settings, history, clock);
    ChatPipeline pipeline = new ChatPipeline(router, routes,
        new FanOut.Setup(settings.fanOuts(), context.getSystem(), mapper), estimator, accounts.metering(), dispatcher,
        new ResponseCache(settings.cache(), mapper, Ticker.systemTicker()), new StreamReplay(mapper), telemetry,
        new UsageReader(mapper), new AnthropicUsage(mapper), HttpServer.errorLabel(mapper),
        SessionAffinity.of(settings.affinity(), Ticker.systemTicker()));
    EmbeddingsPipeline embeddings = new EmbeddingsPipeline(router, estimator, accounts.metering(), dispatcher,
        telemetry, mapper, HttpServer.errorLabel(mapper));
    TextCompletionsPipeline completions = new TextCompletionsPipeline(router, estimator, accounts.metering(),
        dispatcher, telemetry, new UsageReader(mapper), HttpServer.errorLabel(mapper));
    NativeResponsesPipeline nativeResponses = new NativeResponsesPipeline(router, estimator, accounts.metering(),
        dispatcher, telemetry, new UsageReader(mapper), HttpServer.errorLabel(mapper));
    HttpServer.Served served = new HttpServer.Served(providers, router, registry, accounts, pipeline, embeddings, completions,
        estimator, telemetry, history, () -> warm.get() && membership.isUp(), responseStore(context, settings),
        nativeResponses);
    ActorSystem<?> system = context.getSystem();
    HttpServer.start(system, settings, served, mapper, clock)
        .whenComplete((binding, error) -> {
          if (error != null) {
            started.completeExceptionally(error);
            return;
          }
          started.complete(new Started(binding, providers));
          if (!settings.warmUp().enabled()) return;
          WarmUp.start(system, settings, mapper, warmUpGateway(mapper), warmUp.upstreamStatus())
              .thenAccept(outcome -> {
                warm.set(true);
                warmUp.outcome().complete(outcome);
              });
        });
  }

  /** The warm-up's throwaway gateway: a node assembled here, like this one, from the settings it is given. */
  private static WarmUp.Gateway warmUpGateway(ObjectMapper mapper) {
    return (settings, listening) -> {
      CompletableFuture<Started> started = new CompletableFuture<>();
      started.whenComplete((node, error) -> {
        if (error != null) listening.completeExceptionally(error);
        else listening.complete(node.binding().localAddress());
      });
      return create(settings, mapper, Clock.systemUTC(), started);
    };
  }
}
