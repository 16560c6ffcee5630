package io.switchboard.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.anthropic.ErrorEnvelope;
import io.switchboard.api.anthropic.ErrorInfo;
import io.switchboard.api.ollama.ModelListing;
import io.switchboard.api.openai.ModelInfo;
import io.switchboard.api.openai.ModelList;
import io.switchboard.api.openai.ModelRoute;
import io.switchboard.provider.ProviderHandle;
import io.switchboard.provider.ProviderActor;
import io.switchboard.provider.Providers;
import io.switchboard.keys.Caller;
import io.switchboard.provider.ollama.PulledModels;
import io.switchboard.routing.CatalogQuery;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.ModelCatalog;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/models} (with {@code provider}, {@code capability}, {@code q}, {@code sort} and
 * {@code order}; see {@link CatalogQuery}) and {@code GET /v1/models/{model}}: the {@link ModelCatalog}
 * in OpenAI's list shape, each model saying whether it is available right now.
 *
 * <p>Availability is asked of each provider's admission actor per request, all at once; a provider
 * that does not answer in time counts as unavailable, so a listing never fails for a sick provider.
 * A listing therefore costs one small actor round trip per provider; it is not on the chat path. An
 * Ollama deployment is available only while its server lists the upstream model among its pulled
 * ones ({@link PulledModels}: {@code /api/tags}, asked at most once per {@code ollama.tags-refresh});
 * a server that does not answer has pulled nothing.
 *
 * <p>The routes clients name like models (auto routes and fan-outs, {@link RouteCatalog}) follow the
 * models in a listing, each with {@code route} (its kind and candidates) and available when one of its
 * candidates is. A listing filtered by provider or capability has none; {@code q} matches their names.
 *
 * <p>A request that carries {@code anthropic-version} (Anthropic's SDKs) is answered in Anthropic's
 * shape instead ({@link AnthropicModelPages}), refusals in Anthropic's envelope.
 */
final class ModelCatalogRoutes extends AllDirectives {
  private final ModelCatalog catalog;
  private final Providers providers;
  private final Set<String> providerIds;
  private final Map<String, PulledModels> pulled;
  private final Supplier<Map<String, ModelRoute>> routes;
  private final ObjectMapper mapper;

  /**
   * @param pulled each Ollama provider's pulled models, by provider id
   * @param routes the auto routes and fan-outs, by name, as they are when asked
   */
  ModelCatalogRoutes(ModelCatalog catalog, Providers providers, Map<String, PulledModels> pulled,
      Supplier<Map<String, ModelRoute>> routes, ObjectMapper mapper) {
    this.catalog = catalog;
    this.routes = routes;
    this.providers = providers;
    this.pulled = Map.copyOf(pulled);
    this.providerIds = providers.all().keySet();
    this.mapper = mapper;
  }

  /** Mounted under {@code /v1}. */
  Route route() {
    return pathPrefix("models", () -> concat(
        pathEndOrSingleSlash(() -> get(() -> extractRequest(request -> parameterMultiMap(params ->
            completeWithFuture(anthropic(request)
                ? anthropicList(params, Caller.of(request)) : list(params, Caller.of(request))))))),
        path(PathMatchers.remaining(), encoded -> get(() -> extractRequest(request ->
            completeWithFuture(anthropic(request)
                ? anthropicOne(decode(encoded), Caller.of(request)) : one(decode(encoded), Caller.of(request))))))));
  }

  private static boolean anthropic(HttpRequest request) {
    return request.getHeader(AnthropicModelPages.VERSION_HEADER).isPresent();
  }

  private CompletionStage<HttpResponse> anthropicList(Map<String, List<String>> params, Caller caller) {
    return availability().thenApply(available -> {
      List<ModelInfo> models = new ArrayList<>(catalog.list(CatalogQuery.ALL, available).stream()
          .filter(model -> caller.mayUse(model.id())).toList());
      models.addAll(routeEntries(CatalogQuery.ALL, available, caller));
      try {
        return json(AnthropicModelPages.page(models, params));
      } catch (AnthropicModelPages.InvalidPage e) {
        return anthropicError(400, ErrorInfo.INVALID_REQUEST, e.getMessage());
      }
    });
  }

  private CompletionStage<HttpResponse> anthropicOne(String model, Caller caller) {
    return availability().thenApply(available -> find(model, available)
        .filter(entry -> caller.mayUse(model))
        .map(entry -> json(AnthropicModelPages.describe(entry)))
        .orElseGet(() -> anthropicError(404, ErrorInfo.NOT_FOUND, "model: the model '" + model
            + "' is not served by this gateway. GET /v1/models lists the models it serves.")));
  }

  private HttpResponse anthropicError(int status, String type, String message) {
    return json(ErrorEnvelope.of(type, message)).withStatus(status);
  }

  /** The models {@code caller} may use: all of them, unless its key names the models it may use. */
  private CompletionStage<HttpResponse> list(Map<String, List<String>> params, Caller caller) {
    CatalogQuery query;
    try {
      query = CatalogQuery.parse(params, providerIds);
    } catch (CatalogQuery.InvalidParameter e) {
      return CompletableFuture.completedFuture(
          ApiError.invalidRequest(e.getMessage(), e.param(), "invalid_parameter").toResponse(mapper));
    }
    return availability().thenApply(available -> {
      List<ModelInfo> models = new ArrayList<>(catalog.list(query, available).stream()
          .filter(model -> caller.mayUse(model.id())).toList());
      models.addAll(routeEntries(query, available, caller));
      return json(ModelList.of(models));
    });
  }

  /** The model or, failing that, the route named {@code name}. */
  private Optional<ModelInfo> find(String name, Predicate<Deployment> available) {
    Optional<ModelInfo> model = catalog.find(name, available);
    if (model.isPresent()) return model;
    ModelRoute route = routes.get().get(name);
    return route == null ? Optional.empty() : Optional.of(routeEntry(name, route, available));
  }

  /** The routes {@code caller} may use that {@code query} lets through, by name (reversed with order=desc). */
  private List<ModelInfo> routeEntries(CatalogQuery query, Predicate<Deployment> available, Caller caller) {
    if (!query.providers().isEmpty() || !query.capabilities().isEmpty()) return List.of();
    List<ModelInfo> entries = new ArrayList<>();
    routes.get().forEach((name, route) -> {
      if (!query.search().isEmpty() && !name.toLowerCase(Locale.ROOT).contains(query.search())) return;
      if (caller.mayUse(name)) entries.add(routeEntry(name, route, available));
    });
    if (query.descending()) Collections.reverse(entries);
    return entries;
  }

  private ModelInfo routeEntry(String name, ModelRoute route, Predicate<Deployment> available) {
    boolean any = route.candidates().stream().anyMatch(model -> catalog.available(model, available));
    return ModelInfo.route(name, catalog.created(), any, route);
  }

  private CompletionStage<HttpResponse> one(String model, Caller caller) {
    return availability().thenApply(available -> find(model, available)
        .filter(entry -> caller.mayUse(model))
        .map(this::json)
        .orElseGet(() -> ApiError.of(404, ApiError.INVALID_REQUEST, "model_not_found", "model",
            "The model '" + model + "' does not exist or is not served by this gateway. GET /v1/models lists the"
                + " models it serves.").toResponse(mapper)));
  }

  /**
   * Which deployments can serve now: neither their provider's breaker nor their model's is open and, on
   * an Ollama server, their upstream model is pulled. Every provider (and Ollama server) is asked at once.
   */
  private CompletionStage<Predicate<Deployment>> availability() {
    Map<String, CompletableFuture<Optional<ProviderActor.Status>>> up = new HashMap<>();
    Map<String, CompletableFuture<Optional<ModelListing>>> tags = new HashMap<>();
    for (String id : catalog.providers()) {
      ProviderHandle handle = providers.get(id).orElse(null);
      up.put(id, handle == null ? CompletableFuture.completedFuture(Optional.empty())
          : handle.status().thenApply(Optional::of).exceptionally(unanswered -> Optional.empty())
              .toCompletableFuture());
      PulledModels server = pulled.get(id);
      if (server != null) tags.put(id, server.current().toCompletableFuture());
    }
    List<CompletableFuture<?>> all = new ArrayList<>(up.values());
    all.addAll(tags.values());
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(done -> d -> {
      String id = d.provider().id();
      Optional<ProviderActor.Status> status = up.containsKey(id) ? up.get(id).join() : Optional.empty();
      if (status.isEmpty() || !ModelCatalog.available(status.get(), d.upstreamModel())) return false;
      CompletableFuture<Optional<ModelListing>> listing = tags.get(id);
      return listing == null || listing.join().map(l -> l.contains(d.upstreamModel())).orElse(false);
    });
  }

  /** The path segment as the client meant it: a model name may hold slashes and escaped characters. */
  private static String decode(String encoded) {
    try {
      return URI.create("/" + encoded).getPath().substring(1);
    } catch (IllegalArgumentException notAPath) {
      return encoded;
    }
  }

  private HttpResponse json(Object value) {
    try {
      return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, mapper.writeValueAsBytes(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the model catalog could not be written", e);
    }
  }
}
