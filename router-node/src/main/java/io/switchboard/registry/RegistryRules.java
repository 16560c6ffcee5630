package io.switchboard.registry;

import io.switchboard.config.AutoRouteSettings;
import io.switchboard.config.ModelSettings;
import java.util.List;
import java.util.Set;

/**
 * What a registry must satisfy to be served on this node, beyond each value's own shape
 * ({@link RegistryJson}): deployments name configured providers (providers are static, from the
 * configuration file), routes name models the registry holds, and no route takes a model's name.
 * The first breach is an {@link InvalidRegistryException} naming its JSON path.
 */
public final class RegistryRules {
  private final Set<String> providers;

  /** @param providers the ids of this node's configured providers */
  public RegistryRules(Set<String> providers) {
    this.providers = Set.copyOf(providers);
  }

  public void check(Registry registry) {
    if (registry.models().isEmpty()) {
      throw new InvalidRegistryException("models", "The registry needs at least one model to serve.");
    }
    registry.models().forEach((name, model) -> model(name, model));
    registry.routes().forEach((name, route) -> route(name, route, registry));
  }

  private void model(String name, ModelSettings model) {
    String path = "models." + name;
    if (!model.name().equals(name)) {
      throw new InvalidRegistryException(path + ".name", "The model under \"" + name + "\" is named \"" + model.name() + "\".");
    }
    List<ModelSettings.DeploymentSettings> deployments = model.deployments();
    for (int i = 0; i < deployments.size(); i++) {
      ModelSettings.DeploymentSettings d = deployments.get(i);
      String at = path + ".deployments[" + i + "]";
      if (!providers.contains(d.provider())) {
        throw new InvalidRegistryException(at + ".provider", "Provider \"" + d.provider() + "\" is not configured on"
            + " this gateway; providers: " + providers.stream().sorted().toList() + ". Providers come from the"
            + " configuration file; the registry only names them.");
      }
      if (d.upstreamModel() == null || d.upstreamModel().isBlank()) {
        throw new InvalidRegistryException(at + ".upstream_model", "The upstream model must not be blank.");
      }
      if (d.maxOutputTokens() < 1) {
        throw new InvalidRegistryException(at + ".max_output_tokens", "max_output_tokens is " + d.maxOutputTokens()
            + "; it must be at least 1.");
      }
      if (d.contextWindow() < 0) {
        throw new InvalidRegistryException(at + ".context_window", "context_window is " + d.contextWindow()
            + "; it must be 0 (unknown) or more.");
      }
    }
    if (model.strategy() == ModelSettings.Strategy.WEIGHTED && deployments.stream().allMatch(d -> d.weight() == 0)) {
      throw new InvalidRegistryException(path + ".strategy", "Strategy weighted needs a deployment whose weight is above 0.");
    }
  }

  private static void route(String name, AutoRouteSettings route, Registry registry) {
    String path = "routes." + name;
    if (!route.name().equals(name)) {
      throw new InvalidRegistryException(path + ".name", "The route under \"" + name + "\" is named \"" + route.name() + "\".");
    }
    if (registry.models().containsKey(name)) {
      throw new InvalidRegistryException(path, "Route \"" + name + "\" has the name of a model; clients ask for both"
          + " by name, so give the route another.");
    }
    for (int i = 0; i < route.candidates().size(); i++) {
      String candidate = route.candidates().get(i);
      if (!registry.models().containsKey(candidate)) {
        throw new InvalidRegistryException(path + ".candidates[" + i + "]", "Candidate \"" + candidate
            + "\" is not a model of the registry.");
      }
    }
    for (int i = 0; i < route.fallbacks().size(); i++) {
      String model = route.fallbacks().get(i).model();
      if (model != null && !registry.models().containsKey(model)) {
        throw new InvalidRegistryException(path + ".fallbacks[" + i + "].model", "Fallback model \"" + model
            + "\" is not a model of the registry.");
      }
      if (route.fallbacks().get(i).when() == null) {
        throw new InvalidRegistryException(path + ".fallbacks[" + i + "].when", "A fallback names the failure it is for.");
      }
    }
    AutoRouteSettings.Limits limits = route.limits();
    if (limits != null && limits.maxPricePerRequestUsd() != null && limits.maxPricePerRequestUsd().signum() < 0) {
      throw new InvalidRegistryException(path + ".limits.max_price_per_request_usd", "A price limit must not be negative.");
    }
    if (limits != null && limits.maxLatency() != null && limits.maxLatency().isNegative()) {
      throw new InvalidRegistryException(path + ".limits.max_latency", "A latency limit must not be negative.");
    }
  }
}
