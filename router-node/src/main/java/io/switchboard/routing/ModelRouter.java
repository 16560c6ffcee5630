package io.switchboard.routing;

import io.switchboard.config.AutoRouteSettings;
import io.switchboard.config.BalancingSettings;
import io.switchboard.config.ModelSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.Providers;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import java.util.random.RandomGenerator;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Turns the model a client asked for (an alias) into the list of deployments to try for one request:
 * the one its {@link BalancingStrategy} chooses first, then the others as fallbacks in configuration
 * order. For each possible first choice that list is built once, up front, so routing a request
 * allocates nothing.
 *
 * <p>The models and auto routes it serves can change while the node runs (the live model registry
 * calls {@link #update}). Everything a request reads is one immutable snapshot behind one volatile
 * field: a request routed before a change keeps the deployments it was given, the next one sees the
 * new snapshot whole, and nothing on the request path locks or asks an actor. A deployment that stays
 * (same model, provider and upstream model) keeps its latency estimate across a change.
 */
public final class ModelRouter {
  /** Random draws on the calling thread's own generator: request threads never contend on one seed. */
  private static final RandomGenerator THREAD_LOCAL = () -> ThreadLocalRandom.current().nextLong();

  private final Providers providers;
  private final LoadView load;
  private final RandomGenerator random;
  private final Clock clock;
  private final BalancingSettings balancing;
  private volatile Snapshot snapshot;
  private final List<BiConsumer<Map<String, ModelSettings>, Map<String, AutoRouteSettings>>> followers =
      new CopyOnWriteArrayList<>();

  /** An alias: its strategy, and for each deployment (by index) the list that tries it first. */
  private record Alias(BalancingStrategy strategy, List<List<Deployment>> byFirst) {
    List<Deployment> next() {
      return byFirst.get(strategy.choose());
    }
  }

  /** What requests read: built whole on each change, never modified. */
  private record Snapshot(Map<String, Alias> aliases, Map<String, List<Deployment>> byModel,
      List<Deployment> deployments, Map<String, AutoRouteSettings> routes, Map<String, ModelSettings> settings) {}

  private ModelRouter(Providers providers, LoadView load, RandomGenerator random, Clock clock,
      BalancingSettings balancing) {
    this.providers = providers;
    this.load = load;
    this.random = random;
    this.clock = clock;
    this.balancing = balancing;
  }

  /**
   * The node's router: a {@link LoadView} of the providers behind {@code least-busy} models, refreshed
   * by a {@link LoadRefresher} spawned under {@code context} (it asks nothing while no model balances
   * by load).
   */
  public static ModelRouter start(ActorContext<?> context, SwitchboardSettings settings, Providers providers,
      Clock clock) {
    LoadView load = loadView(settings, providers);
    if (!load.isEmpty()) {
      context.spawn(LoadRefresher.create(load, settings.balancing().loadRefreshInterval()), "load-refresher");
    }
    return of(settings, providers, load, THREAD_LOCAL, clock);
  }

  /** A router whose load view is never refreshed (it counts only its own picks): for tests and benchmarks. */
  public static ModelRouter of(SwitchboardSettings settings, Providers providers) {
    return of(settings, providers, loadView(settings, providers), THREAD_LOCAL, Clock.systemUTC());
  }

  public static ModelRouter of(SwitchboardSettings settings, Providers providers, LoadView load,
      RandomGenerator random, Clock clock) {
    ModelRouter router = new ModelRouter(providers, load, random, clock, settings.balancing());
    router.update(settings.models(), settings.routes());
    return router;
  }

  /**
   * Serves {@code models} and {@code routes} from now on, in place of what was served. Every
   * deployment must name a provider of this node (the registry checks that before it gets here).
   * Callers serialize their updates (the registry does); requests may run meanwhile.
   */
  public void update(Map<String, ModelSettings> models, Map<String, AutoRouteSettings> routes) {
    Map<String, LatencyEstimate> kept = new HashMap<>();
    Snapshot previous = snapshot;
    if (previous != null) previous.deployments().forEach(d -> kept.put(identity(d.model(), d.settings()), d.latency()));
    Map<String, Alias> aliases = new LinkedHashMap<>();
    Map<String, List<Deployment>> byModel = new LinkedHashMap<>();
    Set<String> busy = new LinkedHashSet<>();
    for (ModelSettings model : models.values()) {
      List<Deployment> deployments = new ArrayList<>();
      for (ModelSettings.DeploymentSettings d : model.deployments()) {
        LatencyEstimate latency = kept.get(identity(model.name(), d));
        deployments.add(new Deployment(model.name(), d, providers.get(d.provider()).orElseThrow(() ->
            new IllegalArgumentException("model " + model.name() + " names provider '" + d.provider()
                + "', which this node does not have")),
            latency != null ? latency : new LatencyEstimate(balancing)));
      }
      List<Deployment> configured = List.copyOf(deployments);
      if (model.strategy() == ModelSettings.Strategy.LEAST_BUSY && configured.size() > 1) {
        model.deployments().forEach(d -> busy.add(d.provider()));
      }
      byModel.put(model.name(), configured);
      aliases.put(model.name(), new Alias(
          BalancingStrategy.of(model.strategy(), configured, load, random, clock), firstChoices(configured)));
    }
    load.watch(busy);
    snapshot = new Snapshot(Collections.unmodifiableMap(aliases), Collections.unmodifiableMap(byModel),
        byModel.values().stream().flatMap(List::stream).toList(),
        Collections.unmodifiableMap(new LinkedHashMap<>(routes)),
        Collections.unmodifiableMap(new LinkedHashMap<>(models)));
    followers.forEach(follower -> follower.accept(snapshot.settings(), snapshot.routes()));
  }

  /**
   * Tells {@code follower} the models and auto routes served now, and again after every {@link #update}
   * (on the updating thread), so what is built over them (the auto routes' scorers) follows the registry.
   */
  public void follow(BiConsumer<Map<String, ModelSettings>, Map<String, AutoRouteSettings>> follower) {
    followers.add(follower);
    Snapshot now = snapshot;
    follower.accept(now.settings(), now.routes());
  }

  /** What makes a deployment the same one across an update: its model, provider and upstream model. */
  private static String identity(String model, ModelSettings.DeploymentSettings d) {
    return model + '\u0000' + d.provider() + '\u0000' + d.upstreamModel();
  }

  /** For each deployment, the list that starts with it and continues with the others in their order. */
  private static List<List<Deployment>> firstChoices(List<Deployment> configured) {
    List<List<Deployment>> byFirst = new ArrayList<>();
    for (Deployment first : configured) {
      List<Deployment> order = new ArrayList<>();
      order.add(first);
      for (Deployment d : configured) {
        if (d != first) order.add(d);
      }
      byFirst.add(List.copyOf(order));
    }
    return List.copyOf(byFirst);
  }

  /** Every provider of the node may come to back a {@code least-busy} model once models change at run time. */
  private static LoadView loadView(SwitchboardSettings settings, Providers providers) {
    return new LoadView(settings.providers().keySet(), id -> providers.get(id).orElseThrow().status()
        .thenApply(status -> status.inFlight() + status.queued()));
  }

  /**
   * The deployments to try for one request for {@code model}: the balancing strategy's choice first,
   * the others after it as fallbacks; empty when the model is not served.
   */
  public Optional<List<Deployment>> route(String model) {
    Alias alias = snapshot.aliases().get(model);
    return alias == null ? Optional.empty() : Optional.of(alias.next());
  }

  /** Every model's deployments in configuration order, by model name, as served now. */
  public Map<String, List<Deployment>> models() {
    return snapshot.byModel();
  }

  /** Every deployment of every model, as served now. */
  public Collection<Deployment> deployments() {
    return snapshot.deployments();
  }

  /** The auto routes, by name, as served now. */
  public Map<String, AutoRouteSettings> routes() {
    return snapshot.routes();
  }
}
