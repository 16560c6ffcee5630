package io.switchboard.routing;

import io.switchboard.config.ModelSettings;
import io.switchboard.provider.ProviderHandle;

/** A model as clients name it, bound to the provider that serves it and the upstream's model name. */
public record Deployment(ModelSettings model, ProviderHandle provider) {

  public String upstreamModel() {
    return model.upstreamModel();
  }

  /** {@code provider/upstream-model}: how responses name the deployment that served them. */
  public String label() {
    return provider.id() + "/" + model.upstreamModel();
  }
}
