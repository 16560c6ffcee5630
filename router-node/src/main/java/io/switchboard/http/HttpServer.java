package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Ticker;
import io.switchboard.cache.CachePolicy;
import io.switchboard.cache.ResponseCache;
import io.switchboard.config.ProviderKind;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.keys.Accounts;
import io.switchboard.metrics.GatewayMetrics;
import io.switchboard.metrics.ProviderGauges;
import io.switchboard.metrics.ProviderStatistics;
import io.switchboard.metrics.Telemetry;
import io.switchboard.provider.Providers;
import io.switchboard.provider.ollama.OllamaAdmin;
import io.switchboard.provider.ollama.PulledModels;
import io.switchboard.routing.Dispatcher;
import io.switchboard.routing.ModelCatalog;
import io.switchboard.routing.ModelRouter;
import io.switchboard.tokens.TokenEstimator;
import java.util.Random;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.stream.Materializer;

/**
 * Binds the routes. {@code /ready} answers 200 from the moment the port is bound (in a cluster: and the
 * node is an Up member) until coordinated shutdown begins, so a load balancer stops sending before
 * in-flight requests are drained.
 *
 * <p>With {@code switchboard.http.http2 = on} the same port also serves HTTP/2 cleartext: Pekko HTTP
 * looks at a connection's first bytes and speaks HTTP/2 to a client that opens with the HTTP/2 preface
 * (prior knowledge) or asks to upgrade, HTTP/1.1 to any other. Only {@code bind}, not {@code bindFlow},
 * can do that, which is why the routes are bound as a handler.
 */
public final class HttpServer {
  private HttpServer() {}

  public static CompletionStage<ServerBinding> start(
      ActorSystem<?> system, SwitchboardSettings settings, Providers providers, ModelRouter router, ObjectMapper mapper,
      Clock clock, BooleanSupplier member, Accounts accounts) {
    AtomicBoolean ready = new AtomicBoolean(false);
    GatewayMetrics metrics = new GatewayMetrics();
    Telemetry telemetry = new Telemetry(metrics, new ProviderStatistics(settings.metrics(), clock));
    TokenEstimator estimator = new TokenEstimator();
    Dispatcher dispatcher = new Dispatcher(estimator, clock, system, new Random(), telemetry);
    CachedChat cache = new CachedChat(new ResponseCache(settings.cache(), mapper, Ticker.systemTicker()),
        new CachePolicy(settings.cache()), mapper, telemetry);
    ChatCompletions chat = new ChatCompletions(router, dispatcher, accounts.metering(), mapper, settings.http(),
        Materializer.matFromSystem(system), cache, telemetry);
    AnthropicMessages anthropic =
        new AnthropicMessages(chat::handle, mapper, settings.http(), Materializer.matFromSystem(system), router, estimator);
    Map<String, OllamaAdmin> ollama = new LinkedHashMap<>();
    Map<String, PulledModels> pulled = new LinkedHashMap<>();
    settings.providers().values().stream().filter(p -> p.kind() == ProviderKind.OLLAMA).forEach(p -> {
      OllamaAdmin admin = new OllamaAdmin(system, p, mapper);
      ollama.put(p.id(), admin);
      pulled.put(p.id(), new PulledModels(admin::pulled, p.ollama().tagsRefresh(), clock));
    });
    MetricsRoute metricsRoute = new MetricsRoute(metrics,
        new ProviderGauges(providers, metrics.registry(), settings.metrics().providerRefresh()));
    ModelCatalogRoutes models = new ModelCatalogRoutes(
        new ModelCatalog(router, clock.instant().getEpochSecond()), providers, pulled, mapper);
    ApiRoutes routes = new ApiRoutes(chat, anthropic, new AdminRoutes(providers, mapper, telemetry.statistics()),
        new OllamaAdminRoutes(ollama, mapper), new AccessRoutes(accounts, router.models().keySet(), mapper, clock),
        metricsRoute, models, new RequestBodies(settings.http(), Materializer.matFromSystem(system)), mapper,
        () -> ready.get() && member.getAsBoolean());
    CoordinatedShutdown.get(system.classicSystem()).addTask(
        CoordinatedShutdown.PhaseBeforeServiceUnbind(), "switchboard-not-ready", () -> {
          ready.set(false);
          return CompletableFuture.completedFuture(Done.getInstance());
        });
    return Http.get(system)
        .newServerAt(settings.http().host(), settings.http().port())
        // Our own key turns HTTP/2 on; one who set Pekko's enable-http2 directly keeps it.
        .adaptSettings(server -> server.withEnableHttp2(server.enableHttp2() || settings.http().http2())
            // Pekko's parser limit (8m by default) follows switchboard.http.max-request-body: one limit,
            // the documented one, answered 413 by RequestBodies rather than 400 by the parser.
            .withParserSettings(server.getParserSettings().withMaxContentLength(settings.http().maxRequestBody())))
        .bind(routes.route())
        .thenApply(binding -> {
          binding.addToCoordinatedShutdown(settings.http().shutdownDrain(), system);
          ready.set(true);
          return binding;
        });
  }
}
