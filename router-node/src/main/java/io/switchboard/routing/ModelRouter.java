package io.switchboard.routing;

import io.switchboard.config.ModelSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.Providers;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Turns the model a client asked for (an alias) into the list of deployments to try for one request:
 * the one its {@link BalancingStrategy} chooses first, then the others as fallbacks in configuration
 * order. For each possible first choice that list is built once, up front, so routing a request
 * allocates nothing.
 */
public final class ModelRouter {
  /** Random draws on the calling thread's own generator: request threads never contend on one seed. */
  private static final RandomGenerator THREAD_LOCAL = () -> ThreadLocalRandom.current().nextLong();

  private final Map<String, Alias> aliases;
  private final Map<String, List<Deployment>> byModel;

  /** An alias: its strategy, and for each deployment (by index) the list that tries it first. */
  private record Alias(BalancingStrategy strategy, List<List<Deployment>> byFirst) {
    List<Deployment> next() {
      return byFirst.get(strategy.choose());
    }
  }

  private ModelRouter(Map<String, Alias> aliases, Map<String, List<Deployment>> byModel) {
    this.aliases = aliases;
    this.byModel = Collections.unmodifiableMap(byModel);
  }

  /**
   * The node's router: a {@link LoadView} of the providers behind {@code least-busy} models, refreshed
   * by a {@link LoadRefresher} spawned under {@code context} (none when no model balances by load).
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
    Map<String, Alias> aliases = new LinkedHashMap<>();
    Map<String, List<Deployment>> byModel = new LinkedHashMap<>();
    for (ModelSettings model : settings.models().values()) {
      List<Deployment> deployments = new ArrayList<>();
      for (ModelSettings.DeploymentSettings d : model.deployments()) {
        deployments.add(new Deployment(model.name(), d, providers.get(d.provider()).orElseThrow(),
            new LatencyEstimate(settings.balancing())));
      }
      List<Deployment> configured = List.copyOf(deployments);
      byModel.put(model.name(), configured);
      aliases.put(model.name(), new Alias(
          BalancingStrategy.of(model.strategy(), configured, load, random, clock), firstChoices(configured)));
    }
    return new ModelRouter(aliases, byModel);
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

  private static LoadView loadView(SwitchboardSettings settings, Providers providers) {
    Set<String> busy = new LinkedHashSet<>();
    for (ModelSettings model : settings.models().values()) {
      if (model.strategy() == ModelSettings.Strategy.LEAST_BUSY && model.deployments().size() > 1) {
        model.deployments().forEach(d -> busy.add(d.provider()));
      }
    }
    return new LoadView(busy, id -> providers.get(id).orElseThrow().status()
        .thenApply(status -> status.inFlight() + status.queued()));
  }

  /**
   * The deployments to try for one request for {@code model}: the balancing strategy's choice first,
   * the others after it as fallbacks; empty when the model is not served.
   */
  public Optional<List<Deployment>> route(String model) {
    Alias alias = aliases.get(model);
    return alias == null ? Optional.empty() : Optional.of(alias.next());
  }

  /** Every model's deployments in configuration order, by model name. */
  public Map<String, List<Deployment>> models() {
    return byModel;
  }

  /** Every deployment of every model. */
  public Collection<Deployment> deployments() {
    return byModel.values().stream().flatMap(List::stream).toList();
  }
}
