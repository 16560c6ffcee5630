package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.openai.ModelRoute;
import io.switchboard.cache.CachePolicy;
import io.switchboard.config.ProviderKind;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.completions.TextCompletionsPipeline;
import io.switchboard.embeddings.EmbeddingsPipeline;
import io.switchboard.console.ConsoleRoutes;
import io.switchboard.exchange.ChatPipeline;
import io.switchboard.http.connection.GuardedServer;
import io.switchboard.usage.Accounts;
import io.switchboard.metrics.GatewayMetrics;
import io.switchboard.metrics.HistoryGauges;
import io.switchboard.metrics.KeyBudgetGauges;
import io.switchboard.metrics.ProviderGauges;
import io.switchboard.history.NodeHistory;
import io.switchboard.metrics.Telemetry;
import io.switchboard.provider.Providers;
import io.switchboard.responses.NativeResponsesPipeline;
import io.switchboard.responses.ResponseIds;
import io.switchboard.responses.ResponseStore;
import io.switchboard.provider.ollama.OllamaAdmin;
import io.switchboard.provider.ollama.PulledModels;
import io.switchboard.registry.ModelRegistry;
import io.switchboard.routing.ModelCatalog;
import io.switchboard.routing.ModelRouter;
import io.switchboard.tokens.TokenEstimator;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.http.javadsl.model.HttpProtocols;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.stream.Materializer;

/**
 * Binds the routes. {@code /ready} answers 200 from the moment the port is bound and the node's warm-up is
 * over (in a cluster: and the node is an Up member) until coordinated shutdown begins. The port then keeps
 * serving for {@code switchboard.http.shutdown-unready}, so a load balancer that polls {@code /ready} stops
 * sending before the port closes, and only then unbinds and drains the requests in flight.
 *
 * <p>With {@code switchboard.http.http2 = on} the same port also serves HTTP/2 cleartext: Pekko HTTP
 * looks at a connection's first bytes and speaks HTTP/2 to a client that opens with the HTTP/2 preface
 * (prior knowledge) or asks to upgrade, HTTP/1.1 to any other.
 *
 * <p>Either way every client connection is watched by {@link GuardedServer}: one that holds its slot
 * without completing a request is closed, and no client address holds more than its share of slots.
 */
public final class HttpServer {
  private HttpServer() {}

  /**
   * What the routes serve, built by the node's composition root ({@code io.switchboard.Guardian}).
   *
   * @param ready whether this node may take traffic once its port is bound: it is an Up member of its cluster
   *     (always, on a single node) and its warm-up is over
   * @param responses where {@code /v1/responses} keeps stored responses
   * @param nativeResponses {@code /v1/responses} for models on upstreams with their own Responses API
   */
  public record Served(Providers providers, ModelRouter router, ModelRegistry registry, Accounts accounts,
      ChatPipeline pipeline, EmbeddingsPipeline embeddings, TextCompletionsPipeline completions,
      TokenEstimator estimator, Telemetry telemetry, NodeHistory history, BooleanSupplier ready,
      ResponseStore responses, NativeResponsesPipeline nativeResponses) {}

  /**
   * The label a failed call's metrics carry: the status the client is answered with, or
   * {@code client_closed} when the client left first (as for a stream it leaves).
   */
  public static java.util.function.Function<Throwable, String> errorLabel(ObjectMapper mapper) {
    return failure -> ApiError.unwrap(failure) instanceof io.switchboard.routing.ClientGoneException ? "client_closed"
        : Integer.toString(ApiError.from(failure, mapper).status());
  }

  public static CompletionStage<ServerBinding> start(
      ActorSystem<?> system, SwitchboardSettings settings, Served served, ObjectMapper mapper, Clock clock) {
    AtomicBoolean serving = new AtomicBoolean(false);
    Providers providers = served.providers();
    ModelRouter router = served.router();
    Accounts accounts = served.accounts();
    Telemetry telemetry = served.telemetry();
    GatewayMetrics metrics = telemetry.metrics();
    Materializer materializer = Materializer.matFromSystem(system);
    RequestBodies bodies = new RequestBodies(settings.http(), materializer);
    CachePolicy cachePolicy = new CachePolicy(settings.cache());
    AnswerHeaders answerHeaders = new AnswerHeaders();
    ChatCompletions chat = new ChatCompletions(served.pipeline(), mapper, bodies, cachePolicy, answerHeaders);
    AnthropicMessages anthropic = new AnthropicMessages(served.pipeline(), mapper, bodies, cachePolicy, answerHeaders,
        new AnthropicAnswers(mapper, settings.http().anthropicPingInterval()), router, served.estimator());
    Map<String, OllamaAdmin> ollama = new LinkedHashMap<>();
    Map<String, PulledModels> pulled = new LinkedHashMap<>();
    settings.providers().values().stream().filter(p -> p.kind() == ProviderKind.OLLAMA).forEach(p -> {
      OllamaAdmin admin = new OllamaAdmin(system, p, mapper);
      ollama.put(p.id(), admin);
      pulled.put(p.id(), new PulledModels(admin::pulled, p.ollama().tagsRefresh(), clock));
    });
    MetricsRoute metricsRoute = new MetricsRoute(metrics,
        new ProviderGauges(providers, metrics.registry(), settings.metrics().providerRefresh()),
        new KeyBudgetGauges(accounts.directory(), accounts.admission(), metrics.registry(),
            settings.metrics().providerRefresh()));
    Supplier<Map<String, ModelRoute>> namedRoutes = RouteCatalog.of(router, settings.fanOuts());
    ModelCatalogRoutes models = new ModelCatalogRoutes(
        new ModelCatalog(router, clock.instant().getEpochSecond()), providers, pulled, namedRoutes, mapper);
    Embeddings embeddings = new Embeddings(served.embeddings(), mapper, bodies, answerHeaders);
    TextCompletions completions = new TextCompletions(served.completions(), mapper, bodies, answerHeaders);
    HistoryGauges.start(system, served.history(), metrics.registry(), settings.history().refreshInterval());
    ResponseIds responseIds = ResponseIds.secure();
    ApiRoutes routes = new ApiRoutes(chat, embeddings, completions, anthropic, new AdminRoutes(providers, mapper,
            telemetry.statistics(), new HistoryRoutes(served.history(), router, mapper)),
        new OllamaAdminRoutes(ollama, mapper), new AccessRoutes(accounts, RouteCatalog.namesServed(router, namedRoutes), mapper, clock),
        metricsRoute, models, new ResponsesRoutes(served.pipeline(),
            new NativeResponses(served.nativeResponses(), mapper, answerHeaders, served.responses(), responseIds, clock),
            mapper, bodies, cachePolicy, answerHeaders, served.responses(), responseIds, clock),
        new RegistryRoutes(served.registry(), mapper), bodies,
        mapper, () -> serving.get() && served.ready().getAsBoolean(),
        new ConsoleRoutes(system, settings, accounts.metering(), mapper, clock));
    CoordinatedShutdown.get(system.classicSystem()).addTask(
        CoordinatedShutdown.PhaseBeforeServiceUnbind(), "switchboard-not-ready", () -> {
          serving.set(false);
          // The port keeps serving while whoever polls /ready notices; it unbinds in the next phase.
          long unready = settings.http().shutdownUnready().toMillis();
          return unready <= 0 ? CompletableFuture.completedFuture(Done.getInstance())
              : CompletableFuture.supplyAsync(Done::getInstance,
                  CompletableFuture.delayedExecutor(unready, TimeUnit.MILLISECONDS));
        });
    Function<HttpRequest, CompletionStage<HttpResponse>> handler = routes.route().handler(system);
    return GuardedServer.bind(system, settings.http(), request -> closingWhenUnready(handler.apply(request), request,
            serving))
        .thenApply(binding -> {
          binding.addToCoordinatedShutdown(settings.http().shutdownDrain(), system);
          serving.set(true);
          return binding;
        });
  }

  /**
   * Once shutdown has begun, an HTTP/1.x answer carries {@code Connection: close}: the client opens its
   * next request's connection afresh (to whichever node its balancer now picks) instead of reusing this
   * one, so fewer idle keep-alive connections are left for the unbind to close under a request being
   * written on them. HTTP/2 has no such header (its streams end with the connection's GOAWAY).
   */
  private static CompletionStage<HttpResponse> closingWhenUnready(CompletionStage<HttpResponse> answer,
      HttpRequest request, AtomicBoolean serving) {
    boolean http1 = request.protocol().equals(HttpProtocols.HTTP_1_1) || request.protocol().equals(HttpProtocols.HTTP_1_0);
    if (serving.get() || !http1) return answer;
    return answer.thenApply(response -> response.addHeader(Connection.create("close")));
  }
}
