package io.switchboard.routing;

import io.switchboard.config.BalancingSettings;
import io.switchboard.config.ModelSettings.DeploymentSettings;
import io.switchboard.provider.ProviderHandle;

/**
 * One place a model is served: the model's name as clients use it, the provider account, and the
 * upstream's own name for the model with its output cap and context window; and this node's
 * {@link LatencyEstimate} of it, which the dispatcher feeds and latency balancing reads.
 */
public record Deployment(String model, DeploymentSettings settings, ProviderHandle provider, LatencyEstimate latency) {

  /** A deployment with a fresh latency estimate under the default balancing settings. */
  public Deployment(String model, DeploymentSettings settings, ProviderHandle provider) {
    this(model, settings, provider, new LatencyEstimate(BalancingSettings.DEFAULTS));
  }

  public String upstreamModel() {
    return settings.upstreamModel();
  }

  /** {@code provider/upstream-model}: how responses name the deployment that served them. */
  public String label() {
    return provider.id() + "/" + settings.upstreamModel();
  }
}
