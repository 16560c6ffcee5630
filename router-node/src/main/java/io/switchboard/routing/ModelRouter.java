package io.switchboard.routing;

import io.switchboard.config.ModelSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.Providers;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the model a client asked for (an alias) into its ordered list of deployments: the first is
 * tried first, each next one is a fallback. Balancing strategies across deployments grow here.
 */
public final class ModelRouter {
  private final Map<String, List<Deployment>> byModel;

  private ModelRouter(Map<String, List<Deployment>> byModel) {
    this.byModel = Collections.unmodifiableMap(byModel);
  }

  public static ModelRouter of(SwitchboardSettings settings, Providers providers) {
    Map<String, List<Deployment>> byModel = new LinkedHashMap<>();
    for (ModelSettings model : settings.models().values()) {
      List<Deployment> deployments = new ArrayList<>();
      for (ModelSettings.DeploymentSettings d : model.deployments()) {
        deployments.add(new Deployment(model.name(), d, providers.get(d.provider()).orElseThrow()));
      }
      byModel.put(model.name(), List.copyOf(deployments));
    }
    return new ModelRouter(byModel);
  }

  /** The deployments of {@code model} in the order they are tried; empty when it is not served. */
  public Optional<List<Deployment>> route(String model) {
    return Optional.ofNullable(byModel.get(model));
  }

  /** Every model's deployments, by model name. */
  public Map<String, List<Deployment>> models() {
    return byModel;
  }

  /** Every deployment of every model. */
  public Collection<Deployment> deployments() {
    return byModel.values().stream().flatMap(List::stream).toList();
  }
}
