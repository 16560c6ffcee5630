package io.switchboard.routing;

import io.switchboard.config.ModelSettings;
import java.time.Clock;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Picks, per request, which of an alias's deployments is tried first; {@link ModelRouter} puts the
 * others after it, in configuration order, as fallbacks. Called on every request, so an answer costs
 * a few atomic reads and a random draw: no locks, no allocation, no message to an actor.
 *
 * <p>{@code random} is injected so tests are deterministic; production passes one backed by
 * {@link java.util.concurrent.ThreadLocalRandom}, which request threads do not contend on.
 */
public sealed interface BalancingStrategy
    permits OrderedBalancing, WeightedBalancing, LeastBusyBalancing, LatencyBalancing {

  /** The index, in configuration order, of the deployment to try first. */
  int choose();

  /** The strategy {@code kind} over {@code deployments} (in configuration order). */
  static BalancingStrategy of(ModelSettings.Strategy kind, List<Deployment> deployments, LoadView load,
      RandomGenerator random, Clock clock) {
    if (deployments.size() == 1) return OrderedBalancing.INSTANCE;
    return switch (kind) {
      case ORDERED -> OrderedBalancing.INSTANCE;
      case WEIGHTED ->
          new WeightedBalancing(deployments.stream().mapToInt(d -> d.settings().weight()).toArray(), random);
      case LEAST_BUSY -> new LeastBusyBalancing(
          deployments.stream().mapToInt(d -> load.slot(d.provider().id())).toArray(), load, random);
      case LATENCY -> new LatencyBalancing(
          deployments.stream().map(Deployment::latency).toArray(LatencyEstimate[]::new), random, clock);
    };
  }
}
