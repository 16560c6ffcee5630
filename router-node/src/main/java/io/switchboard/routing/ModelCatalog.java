package io.switchboard.routing;

import io.switchboard.api.openai.ModelDeployment;
import io.switchboard.api.openai.ModelInfo;
import io.switchboard.api.openai.ModelPricing;
import io.switchboard.breaker.CircuitBreaker;
import io.switchboard.config.Capability;
import io.switchboard.config.ModelSettings.DeploymentSettings;
import io.switchboard.provider.ProviderActor;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The model catalog as {@code GET /v1/models} shows it: every model (alias) with its deployments and
 * what the configuration says of them (context window, output cap, prices, capabilities), filtered,
 * searched and sorted by a {@link CatalogQuery}.
 *
 * <p>Whether a model is available is asked afresh for each listing, as a predicate over deployments,
 * because it changes by the second; everything else is fixed at start-up. A deployment is available
 * when its provider's circuit breaker is not open ({@link #available(ProviderActor.Status)}) and, for
 * an Ollama server, when the server has pulled its upstream model (the caller decides both); a model
 * when at least one of its deployments is.
 *
 * <pre>{@code
 * ModelCatalog catalog = new ModelCatalog(router, startedEpochSecond);
 * List<ModelInfo> cheapTools = catalog.list(CatalogQuery.parse(params, providers), deployment -> true);
 * }</pre>
 */
public final class ModelCatalog {
  /** How {@link ProviderActor.Status#breaker()} names an open breaker. */
  private static final String OPEN = CircuitBreaker.State.OPEN.name().toLowerCase(Locale.ROOT);

  private final ModelRouter router;
  private final long created;

  /** @param created the {@code created} second every entry carries: when this gateway started */
  public ModelCatalog(ModelRouter router, long created) {
    this.router = router;
    this.created = created;
  }

  /** The {@code created} second every entry carries: when this gateway started. */
  public long created() {
    return created;
  }

  /** The models that match {@code query}, in its order. */
  public List<ModelInfo> list(CatalogQuery query, Predicate<Deployment> canServe) {
    return router.models().values().stream()
        .filter(deployments -> matches(deployments, query))
        .sorted(order(query))
        .map(deployments -> entry(deployments, canServe))
        .toList();
  }

  /**
   * One model by the name clients use; empty when it is not served. Its deployments in configuration
   * order, as in a listing: asking the router to route it would take a balancing step for every lookup.
   */
  public Optional<ModelInfo> find(String model, Predicate<Deployment> canServe) {
    return Optional.ofNullable(router.models().get(model)).map(deployments -> entry(deployments, canServe));
  }

  /** Whether a model named {@code model} is served and one of its deployments can serve now. */
  public boolean available(String model, Predicate<Deployment> canServe) {
    List<Deployment> deployments = router.models().get(model);
    return deployments != null && deployments.stream().anyMatch(canServe);
  }

  /** The providers whose availability a listing needs, each once. */
  public List<String> providers() {
    return router.deployments().stream().map(d -> d.provider().id()).distinct().toList();
  }

  /**
   * Whether a provider can take a request for {@code upstreamModel} now: neither the provider's breaker
   * nor the model's is open (closed, or half-open: the next request may be its probe). A provider paused
   * by an upstream 429 still counts: requests wait in its queue for the pause to end rather than fail.
   */
  public static boolean available(ProviderActor.Status status, String upstreamModel) {
    return !OPEN.equals(status.breaker()) && !OPEN.equals(status.modelBreaker(upstreamModel));
  }

  private static boolean matches(List<Deployment> deployments, CatalogQuery query) {
    if (!query.providers().isEmpty()
        && deployments.stream().noneMatch(d -> query.providers().contains(d.provider().id()))) {
      return false;
    }
    if (!deployments.get(0).settings().capabilities().containsAll(query.capabilities())) return false;
    if (query.search().isEmpty()) return true;
    if (lower(deployments.get(0).model()).contains(query.search())) return true;
    return deployments.stream().anyMatch(d ->
        lower(d.upstreamModel()).contains(query.search()) || lower(d.provider().id()).contains(query.search()));
  }

  private static Comparator<List<Deployment>> order(CatalogQuery query) {
    Comparator<List<Deployment>> byName = Comparator.comparing(deployments -> deployments.get(0).model());
    Comparator<List<Deployment>> primary = switch (query.sort()) {
      case NAME -> byName;
      case PRICE -> Comparator.comparing(deployments -> price(deployments.get(0).settings()));
      case CONTEXT -> Comparator.comparingInt(deployments -> deployments.get(0).settings().contextWindow());
    };
    if (query.descending()) primary = primary.reversed();
    // Ties read best by name, whichever way the sort runs.
    return query.sort() == CatalogQuery.Sort.NAME ? primary : primary.thenComparing(byName);
  }

  /** What sort=price compares: input plus output price per million tokens. */
  static BigDecimal price(DeploymentSettings d) {
    return d.pricing().inputPerMillion().add(d.pricing().outputPerMillion());
  }

  private ModelInfo entry(List<Deployment> deployments, Predicate<Deployment> canServe) {
    List<ModelDeployment> described = deployments.stream()
        .map(d -> describe(d, canServe.test(d)))
        .toList();
    boolean available = described.stream().anyMatch(ModelDeployment::available);
    return ModelInfo.catalog(deployments.get(0).model(), created, available, described);
  }

  private static ModelDeployment describe(Deployment d, boolean available) {
    DeploymentSettings s = d.settings();
    return new ModelDeployment(d.provider().id(), s.upstreamModel(),
        s.contextWindow() > 0 ? s.contextWindow() : null, s.maxOutputTokens(),
        ModelPricing.usd(s.pricing().inputPerMillion(), s.pricing().outputPerMillion()),
        s.capabilities().stream().sorted().map(Capability::configName).toList(), available);
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
