package io.switchboard.config;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A model clients may ask for by {@code name} (an alias), served by a list of deployments. The
 * {@code strategy} picks the deployment that is tried first for each request; the others are its
 * fallbacks, in configuration order.
 *
 * @param strengths how well the model does each kind of task, 0 to 1; a kind not listed is unknown
 *     (the scorer reads it as neutral)
 * @param tags free labels an operator gives the model (e.g. {@code long-context}, {@code fast})
 */
public record ModelSettings(String name, Strategy strategy, List<DeploymentSettings> deployments,
    Map<TaskKind, Double> strengths, Set<String> tags) {

  public ModelSettings {
    deployments = List.copyOf(deployments);
    if (deployments.isEmpty()) throw new IllegalArgumentException("a model needs at least one deployment");
    strengths = strengths.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(strengths));
    strengths.forEach((kind, value) -> {
      if (!(value >= 0 && value <= 1)) {
        throw new IllegalArgumentException("strength " + kind.configName() + " = " + value + " must be between 0 and 1");
      }
    });
    tags = Set.copyOf(tags);
  }

  /** A model with no strengths or tags stated. */
  public ModelSettings(String name, Strategy strategy, List<DeploymentSettings> deployments) {
    this(name, strategy, deployments, Map.of(), Set.of());
  }

  /** A model whose deployments are a plain fallback list. */
  public ModelSettings(String name, List<DeploymentSettings> deployments) {
    this(name, Strategy.ORDERED, deployments);
  }

  /** How the deployment tried first is chosen, per request ({@code strategy} in config). */
  public enum Strategy {
    /** Always the first listed; the others only as fallbacks. */
    ORDERED,
    /** At random, in proportion to each deployment's {@code weight}. */
    WEIGHTED,
    /** The one whose provider has the fewest requests in flight or queued, cluster-wide. */
    LEAST_BUSY,
    /** The faster of two picked at random, by a moving average of observed latency. */
    LATENCY;

    /** The name used in config: lower case, words joined by {@code -}. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Strategy fromConfig(String value) {
      for (Strategy s : values()) {
        if (s.configName().equals(value.trim().toLowerCase(Locale.ROOT))) return s;
      }
      throw new IllegalArgumentException("unknown strategy '" + value + "'; known: ordered, weighted, least-busy, latency");
    }
  }

  /**
   * One place a model is served: a provider account and the upstream's own name for the model.
   *
   * @param maxOutputTokens the output cap reserved for a request that sets no {@code max_tokens}
   * @param contextWindow prompt plus output tokens the upstream model accepts; 0 when unknown
   * @param pricing USD per million input and output tokens, from the catalog; {@link Pricing#FREE} when unset
   * @param capabilities what the upstream model can do, from the catalog
   * @param weight its share of first tries under {@link Strategy#WEIGHTED}; 0: only ever a fallback
   * @param firstTokenTimeout how long a stream may take to send its first content token before the request
   *     moves to the next deployment; {@link Duration#ZERO}: no limit
   * @param midStreamFailover the model's {@code mid-stream-failover}: whether a stream that breaks after its
   *     first event reached the client is continued on the model's next deployment
   */
  public record DeploymentSettings(String provider, String upstreamModel, int maxOutputTokens, int contextWindow,
      Pricing pricing, Set<Capability> capabilities, int weight, Duration firstTokenTimeout,
      boolean midStreamFailover) {
    public DeploymentSettings {
      capabilities = Set.copyOf(capabilities);
      if (weight < 0) throw new IllegalArgumentException("weight must not be negative");
      if (firstTokenTimeout == null) firstTokenTimeout = Duration.ZERO;
      if (firstTokenTimeout.isNegative()) throw new IllegalArgumentException("first-token-timeout must not be negative");
    }

    /** A deployment whose stream is not continued elsewhere when it breaks. */
    public DeploymentSettings(String provider, String upstreamModel, int maxOutputTokens, int contextWindow,
        Pricing pricing, Set<Capability> capabilities, int weight, Duration firstTokenTimeout) {
      this(provider, upstreamModel, maxOutputTokens, contextWindow, pricing, capabilities, weight, firstTokenTimeout,
          false);
    }

    /** A deployment without a first-token limit. */
    public DeploymentSettings(String provider, String upstreamModel, int maxOutputTokens, int contextWindow,
        Pricing pricing, Set<Capability> capabilities, int weight) {
      this(provider, upstreamModel, maxOutputTokens, contextWindow, pricing, capabilities, weight, Duration.ZERO);
    }

    /** A deployment of weight 1. */
    public DeploymentSettings(String provider, String upstreamModel, int maxOutputTokens, int contextWindow,
        Pricing pricing, Set<Capability> capabilities) {
      this(provider, upstreamModel, maxOutputTokens, contextWindow, pricing, capabilities, 1);
    }
  }

  /** The first deployment: the one that serves while nothing fails under {@link Strategy#ORDERED}. */
  public DeploymentSettings primary() {
    return deployments.get(0);
  }
}
