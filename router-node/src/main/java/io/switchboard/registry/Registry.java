package io.switchboard.registry;

import static java.util.Objects.requireNonNull;

import io.switchboard.config.AutoRouteSettings;
import io.switchboard.config.ModelSettings;
import io.switchboard.config.SwitchboardSettings;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the gateway serves, as data: its models (with their deployments, capabilities, context windows,
 * prices, strengths and tags) and its auto routes, each by name, in name order. Immutable; a change
 * makes a new one.
 */
public record Registry(SortedMap<String, ModelSettings> models, SortedMap<String, AutoRouteSettings> routes) {

  public Registry {
    models = Collections.unmodifiableSortedMap(new TreeMap<>(models));
    routes = Collections.unmodifiableSortedMap(new TreeMap<>(routes));
  }

  public Registry(Map<String, ModelSettings> models, Map<String, AutoRouteSettings> routes) {
    this(new TreeMap<>(models), new TreeMap<>(routes));
  }

  /** The registry the configuration file describes: what seeds a node's registry. */
  public static Registry of(SwitchboardSettings settings) {
    return new Registry(settings.models(), settings.routes());
  }

  /** This registry with {@code model} added, or replacing the model of the same name. */
  public Registry withModel(ModelSettings model) {
    requireNonNull(model, "model");
    TreeMap<String, ModelSettings> changed = new TreeMap<>(models);
    changed.put(model.name(), model);
    return new Registry(changed, routes);
  }

  public Registry withoutModel(String name) {
    TreeMap<String, ModelSettings> changed = new TreeMap<>(models);
    changed.remove(name);
    return new Registry(changed, routes);
  }

  /** This registry with {@code route} added, or replacing the route of the same name. */
  public Registry withRoute(AutoRouteSettings route) {
    requireNonNull(route, "route");
    TreeMap<String, AutoRouteSettings> changed = new TreeMap<>(routes);
    changed.put(route.name(), route);
    return new Registry(models, changed);
  }

  public Registry withoutRoute(String name) {
    TreeMap<String, AutoRouteSettings> changed = new TreeMap<>(routes);
    changed.remove(name);
    return new Registry(models, changed);
  }
}
