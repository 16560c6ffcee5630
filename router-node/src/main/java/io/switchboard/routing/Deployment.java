package io.switchboard.routing;

import io.switchboard.config.ModelSettings.DeploymentSettings;
import io.switchboard.provider.ProviderHandle;

/**
 * One place a model is served: the model's name as clients use it, the provider account, and the
 * upstream's own name for the model with its output cap and context window.
 */
public record Deployment(String model, DeploymentSettings settings, ProviderHandle provider) {

  public String upstreamModel() {
    return settings.upstreamModel();
  }

  /** {@code provider/upstream-model}: how responses name the deployment that served them. */
  public String label() {
    return provider.id() + "/" + settings.upstreamModel();
  }
}
