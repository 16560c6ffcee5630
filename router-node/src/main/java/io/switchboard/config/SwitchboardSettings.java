package io.switchboard.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValueType;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The whole {@code switchboard} section, read once at start-up and checked, so a mistake stops the
 * node with a message naming the key instead of surfacing as a failed request later.
 *
 * <p>Secrets are looked up through {@code env} (the process environment in production), never
 * read from a file.
 */
public record SwitchboardSettings(
    HttpSettings http,
    Map<String, ProviderSettings> providers,
    Map<String, ModelSettings> models,
    Map<String, AutoRouteSettings> routes,
    PersistenceSettings persistence,
    ClusterSettings cluster,
    BalancingSettings balancing,
    AuthSettings auth,
    UsageSettings usage,
    CacheSettings cache,
    MetricsSettings metrics,
    HistorySettings history,
    AffinitySettings affinity,
    AutoRoutingSettings autoRouting,
    ConsoleSettings console,
    RegistrySettings registry,
    Map<String, FanOutSettings> fanOuts,
    WarmUpSettings warmUp) {

  /** Environment variable naming an optional configuration file. */
  public static final String CONFIG_ENV = "SWITCHBOARD_CONFIG";

  public SwitchboardSettings {
    providers = Collections.unmodifiableMap(new LinkedHashMap<>(providers));
    models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
    routes = Collections.unmodifiableMap(new LinkedHashMap<>(routes));
    fanOuts = Collections.unmodifiableMap(new LinkedHashMap<>(fanOuts));
  }

  /** The catalog a node started without a configuration file serves: simulated models and an {@code auto} route. */
  public static final String EMBEDDED_CATALOG = "embedded-catalog.conf";

  /**
   * Loads the configuration: system properties over the optional file over the node's
   * {@code application.conf} (its Pekko settings) over every {@code reference.conf}. Without a file,
   * {@value #EMBEDDED_CATALOG} takes its place.
   *
   * @param file a HOCON file given on the command line or through {@value #CONFIG_ENV}
   */
  public static Config load(Optional<Path> file) {
    if (file.isEmpty()) {
      return ConfigFactory.load(ConfigFactory.parseResources(EMBEDDED_CATALOG).withFallback(ConfigFactory.defaultApplication()));
    }
    Path path = file.get();
    if (!Files.isReadable(path)) {
      throw new SettingsException("configuration file " + path.toAbsolutePath() + " does not exist or cannot be read");
    }
    try {
      return ConfigFactory.load(ConfigFactory.parseFile(path.toFile())
          .withFallback(ConfigFactory.parseResources("application.conf")));
    } catch (ConfigException e) {
      throw new SettingsException("configuration file " + path.toAbsolutePath() + ": " + e.getMessage(), e);
    }
  }

  public static SwitchboardSettings from(Config root, Function<String, String> env) {
    try {
      Config sb = root.getConfig("switchboard");
      Config defaults = sb.getConfig("provider-defaults");
      Map<String, ProviderSettings> providers = new TreeMap<>();
      for (String id : presentKeys(sb.getObject("providers"))) {
        Config own = sb.getConfig("providers").getConfig(quoted(id));
        providers.put(id, ProviderSettings.from(id, own.withFallback(defaults), env));
      }
      Map<String, ModelSettings> models = new TreeMap<>();
      for (String name : presentKeys(sb.getObject("models"))) {
        Config m = sb.getConfig("models").getConfig(quoted(name)).withFallback(sb.getConfig("model-defaults"));
        models.put(name, model(name, m, providers.keySet()));
      }
      if (models.isEmpty()) {
        throw new SettingsException("switchboard.models is empty: configure at least one model to serve");
      }
      HttpSettings http = HttpSettings.from(sb.getConfig("http"));
      ResponseStoreSettings.from(root); // read where the store starts; checked here so a bad value stops start-up
      PersistenceSettings persistence = PersistenceSettings.from(sb.getConfig("persistence"), env);
      ClusterSettings cluster = ClusterSettings.from(sb.getConfig("cluster"));
      if (cluster.enabled() && persistence.store() == PersistenceSettings.Store.H2) {
        throw new SettingsException("switchboard.cluster.enabled = on needs switchboard.persistence.store = postgres:"
            + " the nodes of a cluster share provider state, and an H2 file belongs to one node");
      }
      Map<String, AutoRouteSettings> routes = new TreeMap<>();
      for (String name : presentKeys(sb.getObject("routes"))) {
        Config r = sb.getConfig("routes").getConfig(quoted(name)).withFallback(sb.getConfig("route-defaults"));
        routes.put(name, AutoRouteConfig.route(name, r, models.keySet()));
      }
      Map<String, FanOutSettings> fanOuts = new TreeMap<>();
      for (String name : presentKeys(sb.getObject("fan-outs"))) {
        Config f = sb.getConfig("fan-outs").getConfig(quoted(name)).withFallback(sb.getConfig("fan-out-defaults"));
        fanOuts.put(name, FanOutConfig.fanOut(name, f, models.keySet(), routes.keySet()));
      }
      return new SwitchboardSettings(http, providers, models, routes, persistence, cluster,
          BalancingSettings.from(sb.getConfig("balancing")),
          AuthSettings.from(sb.getConfig("auth"), http.host(), env),
          UsageSettings.from(sb.getConfig("usage")),
          CacheSettings.from(sb.getConfig("cache")),
          MetricsSettings.from(sb.getConfig("metrics")),
          HistorySettings.from(sb.getConfig("history")),
          AffinitySettings.from(sb.getConfig("affinity")),
          new AutoRoutingSettings(AutoRouteConfig.analyzer(sb.getConfig("analyzer")),
              sb.getDuration("route-defaults.probe-after")),
          ConsoleSettings.from(sb.getConfig("console")),
          RegistrySettings.from(sb.getConfig("registry")),
          fanOuts,
          WarmUpSettings.from(sb.getConfig("warm-up")));
    } catch (ConfigException e) {
      throw new SettingsException("invalid configuration: " + e.getMessage(), e);
    }
  }

  /**
   * A model entry: either {@code provider} (+ {@code upstream-model}) for a single deployment, or
   * {@code deployments = [...]}, whose entries may override the model's {@code max-output-tokens},
   * {@code context-window} and the rest, and carry a {@code weight}; {@code strategy} picks the one tried first.
   */
  private static ModelSettings model(String name, Config m, Set<String> providers) {
    String path = "switchboard.models." + name;
    List<ModelSettings.DeploymentSettings> deployments = new ArrayList<>();
    // The model's, not a deployment's: whether the model's streams continue elsewhere when one breaks.
    boolean failover = m.getBoolean("mid-stream-failover");
    if (m.hasPath("deployments")) {
      if (m.hasPath("provider")) {
        throw new SettingsException(path + " sets both provider and deployments; use one of them");
      }
      List<? extends Config> entries = m.getConfigList("deployments");
      for (int i = 0; i < entries.size(); i++) {
        deployments.add(deployment(name, entries.get(i).withFallback(m), path + ".deployments[" + i + "]", providers,
            failover));
      }
      if (deployments.isEmpty()) throw new SettingsException(path + ".deployments is empty: list at least one");
    } else {
      if (!m.hasPath("provider")) throw new SettingsException(path + ".provider is missing (or list deployments)");
      deployments.add(deployment(name, m, path, providers, failover));
    }
    ModelSettings.Strategy strategy;
    try {
      strategy = ModelSettings.Strategy.fromConfig(m.getString("strategy"));
    } catch (IllegalArgumentException e) {
      throw new SettingsException(path + ".strategy = \"" + m.getString("strategy") + "\": " + e.getMessage(), e);
    }
    if (strategy == ModelSettings.Strategy.WEIGHTED && deployments.stream().allMatch(d -> d.weight() == 0)) {
      throw new SettingsException(path + ": strategy weighted needs a deployment whose weight is above 0");
    }
    return new ModelSettings(name, strategy, deployments, strengths(m, path), Set.copyOf(m.getStringList("tags")));
  }

  private static Map<TaskKind, Double> strengths(Config m, String path) {
    Map<TaskKind, Double> strengths = new EnumMap<>(TaskKind.class);
    for (String kind : m.getConfig("strengths").root().keySet()) {
      try {
        double value = m.getConfig("strengths").getDouble(quoted(kind));
        if (!(value >= 0 && value <= 1)) throw new IllegalArgumentException("must be between 0 and 1, not " + value);
        strengths.put(TaskKind.fromConfig(kind), value);
      } catch (IllegalArgumentException | ConfigException e) {
        throw new SettingsException(path + ".strengths." + kind + ": " + e.getMessage(), e);
      }
    }
    return strengths;
  }

  private static ModelSettings.DeploymentSettings deployment(
      String name, Config d, String path, Set<String> providers, boolean midStreamFailover) {
    if (!d.hasPath("provider")) throw new SettingsException(path + ".provider is missing");
    String provider = d.getString("provider");
    if (!providers.contains(provider)) {
      throw new SettingsException(path + ".provider = \"" + provider + "\" names no provider under switchboard.providers"
          + " (configured: " + providers + ")");
    }
    int maxOutput = d.getInt("max-output-tokens");
    if (maxOutput < 1) throw new SettingsException(path + ".max-output-tokens = " + maxOutput + " must be at least 1");
    int context = d.getInt("context-window");
    if (context < 0) throw new SettingsException(path + ".context-window = " + context + " must not be negative");
    String upstream = d.hasPath("upstream-model") ? d.getString("upstream-model") : name;
    Pricing pricing;
    try {
      pricing = new Pricing(new BigDecimal(d.getString("input-price-per-million")),
          new BigDecimal(d.getString("output-price-per-million")));
    } catch (IllegalArgumentException e) {
      throw new SettingsException(path + ": input-price-per-million and output-price-per-million must be"
          + " non-negative numbers (USD per million tokens): " + e.getMessage(), e);
    }
    Set<Capability> capabilities = EnumSet.noneOf(Capability.class);
    for (String c : d.getStringList("capabilities")) {
      try {
        capabilities.add(Capability.fromConfig(c));
      } catch (IllegalArgumentException e) {
        throw new SettingsException(path + ".capabilities: " + e.getMessage(), e);
      }
    }
    int weight = d.getInt("weight");
    if (weight < 0) throw new SettingsException(path + ".weight = " + weight + " must not be negative");
    Duration firstToken = d.getDuration("first-token-timeout");
    if (firstToken.isNegative()) {
      throw new SettingsException(path + ".first-token-timeout = " + d.getString("first-token-timeout")
          + " must not be negative (0s: no limit)");
    }
    return new ModelSettings.DeploymentSettings(provider, upstream, maxOutput, context, pricing, capabilities, weight,
        firstToken, midStreamFailover);
  }

  public SwitchboardSettings withHttp(HttpSettings newHttp) {
    return new SwitchboardSettings(newHttp, providers, models, routes, persistence, cluster, balancing, auth, usage, cache,
        metrics, history, affinity, autoRouting, console, registry, fanOuts, warmUp);
  }

  public SwitchboardSettings withPersistence(PersistenceSettings newPersistence) {
    return new SwitchboardSettings(http, providers, models, routes, newPersistence, cluster, balancing, auth, usage,
        cache, metrics, history, affinity, autoRouting, console, registry, fanOuts, warmUp);
  }

  public SwitchboardSettings withWarmUp(WarmUpSettings newWarmUp) {
    return new SwitchboardSettings(http, providers, models, routes, persistence, cluster, balancing, auth, usage,
        cache, metrics, history, affinity, autoRouting, console, registry, fanOuts, newWarmUp);
  }

  /** Keys whose value is an object; a key set to {@code null} removes a default entry. */
  private static Iterable<String> presentKeys(ConfigObject object) {
    return object.entrySet().stream()
        .filter(e -> e.getValue().valueType() == ConfigValueType.OBJECT)
        .map(Map.Entry::getKey)
        .sorted()
        .toList();
  }

  static String quoted(String key) {
    return "\"" + key.replace("\"", "\\\"") + "\"";
  }
}
