package io.switchboard.routing;

import io.switchboard.config.ModelSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.Providers;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the model a client asked for into the deployment that serves it. One deployment per model
 * for now; ordered fallback lists and balancing strategies grow here.
 */
public final class ModelRouter {
  private final Map<String, Deployment> byModel;

  private ModelRouter(Map<String, Deployment> byModel) {
    this.byModel = Collections.unmodifiableMap(byModel);
  }

  public static ModelRouter of(SwitchboardSettings settings, Providers providers) {
    Map<String, Deployment> byModel = new LinkedHashMap<>();
    for (ModelSettings model : settings.models().values()) {
      byModel.put(model.name(), new Deployment(model, providers.get(model.provider()).orElseThrow()));
    }
    return new ModelRouter(byModel);
  }

  public Optional<Deployment> route(String model) {
    return Optional.ofNullable(byModel.get(model));
  }

  public Collection<Deployment> deployments() {
    return byModel.values();
  }
}
