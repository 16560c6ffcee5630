package io.switchboard.config;

import java.util.List;
import java.util.Set;

/**
 * A model clients may ask for by {@code name} (an alias), served by an ordered list of deployments:
 * the first that can serve a request does, the others are its fallbacks.
 */
public record ModelSettings(String name, List<DeploymentSettings> deployments) {

  public ModelSettings {
    deployments = List.copyOf(deployments);
    if (deployments.isEmpty()) throw new IllegalArgumentException("a model needs at least one deployment");
  }

  /**
   * One place a model is served: a provider account and the upstream's own name for the model.
   *
   * @param maxOutputTokens the output cap reserved for a request that sets no {@code max_tokens}
   * @param contextWindow prompt plus output tokens the upstream model accepts; 0 when unknown
   * @param pricing USD per million input and output tokens, from the catalog; {@link Pricing#FREE} when unset
   * @param capabilities what the upstream model can do, from the catalog
   */
  public record DeploymentSettings(String provider, String upstreamModel, int maxOutputTokens, int contextWindow,
      Pricing pricing, Set<Capability> capabilities) {
    public DeploymentSettings {
      capabilities = Set.copyOf(capabilities);
    }
  }

  /** The first deployment: the one that serves while nothing fails. */
  public DeploymentSettings primary() {
    return deployments.get(0);
  }
}
