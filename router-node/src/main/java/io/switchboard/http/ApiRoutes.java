package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.console.ConsoleRoutes;
import io.switchboard.logging.RequestLog;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Rejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP surface: the OpenAI-compatible {@code /v1} routes and the health probes. Anything a client
 * gets wrong (unknown path, wrong method) is answered in the OpenAI error envelope too.
 */
public final class ApiRoutes extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(ApiRoutes.class);

  private final ChatCompletions chat;
  private final Embeddings embeddings;
  private final TextCompletions completions;
  private final AdminRoutes admin;
  private final AnthropicMessages anthropic;
  private final OllamaAdminRoutes ollama;
  private final AccessRoutes access;
  private final ModelCatalogRoutes models;
  private final RegistryRoutes registry;
  private final ObjectMapper mapper;
  private final BooleanSupplier ready;
  private final RequestTracing tracing = new RequestTracing();
  private final ApiDocsRoutes docs = new ApiDocsRoutes();
  private final MetricsRoute metrics;
  private final RequestBodies bodies;
  private final ResponsesRoutes responses;
  private final ConsoleRoutes console;

  ApiRoutes(ChatCompletions chat, Embeddings embeddings, TextCompletions completions, AnthropicMessages anthropic,
      AdminRoutes admin, OllamaAdminRoutes ollama, AccessRoutes access, MetricsRoute metrics,
      ModelCatalogRoutes models, ResponsesRoutes responses, RegistryRoutes registry, RequestBodies bodies,
      ObjectMapper mapper, BooleanSupplier ready, ConsoleRoutes console) {
    this.embeddings = embeddings;
    this.completions = completions;
    this.console = console;
    this.registry = registry;
    this.bodies = bodies;
    this.responses = responses;
    this.access = access;
    this.metrics = metrics;
    this.chat = chat;
    this.anthropic = anthropic;
    this.admin = admin;
    this.ollama = ollama;
    this.models = models;
    this.mapper = mapper;
    this.ready = ready;
  }

  /**
   * Every route, each response carrying its request id and the gateway's overhead ({@link RequestTracing}).
   *
   * <p>Built once: a directive's inner route given as a supplier is otherwise built again for every
   * request that reaches it, and this tree (handlers included) is on every request's path.
   */
  public Route route() {
    Route withRejections = handleRejections(rejectionHandler(), routes());
    Route withHandlers = handleExceptions(exceptionHandler(), () -> withRejections);
    return tracing.wrap(() -> withHandlers);
  }

  private Supplier<Route> routes() {
    Route health = path("health", () -> get(() -> complete(jsonResponse(200, "{\"status\":\"ok\"}"))));
    Route readiness = path("ready", () -> get(() -> complete(ready.getAsBoolean()
        ? jsonResponse(200, "{\"status\":\"ready\"}")
        : jsonResponse(503, "{\"status\":\"not ready\"}"))));
    Route adminRoutes = concat(admin.route(), ollama.route(), access.adminRoutes(), registry.route());
    // The Anthropic ingress is guarded on its own, so that its clients hear a refused key in
    // Anthropic's envelope; what it does not match falls through to the OpenAI routes.
    Route anthropicRoutes = concat(
        pathEnd(() -> post(() -> extractRequest(r -> completeWithFuture(anthropic.messages(r))))),
        path("count_tokens", () -> post(() -> extractRequest(r -> completeWithFuture(anthropic.countTokens(r))))));
    Route openAiRoutes = concat(
        access.clientRoutes(),
        path(PathMatchers.segment("chat").slash("completions"), () ->
            post(() -> extractRequest(request -> completeWithFuture(chat.handle(request))))),
        path("embeddings", () -> post(() -> extractRequest(request -> completeWithFuture(embeddings.handle(request))))),
        path("completions", () -> post(() -> extractRequest(request -> completeWithFuture(completions.handle(request))))),
        responses.route(),
        models.route());
    Route v1 = concat(
        pathPrefix("messages", () -> withAnthropicRequestId(access.client(anthropic::refuse, () -> anthropicRoutes))),
        access.client(() -> openAiRoutes));
    Route all = concat(
        health,
        metrics.route(),
        readiness,
        docs.description(),
        // Swagger UI's one gate: the console's session cookie, or the admin key.
        pathPrefix("docs", () -> extractRequest(request -> console.session().admitted(request)
            ? docs.ui() : access.admin(docs::ui))),
        // The console's session cookie opens /admin as the admin key does (ConsoleSession: SameSite=Strict).
        pathPrefix("admin", () -> extractRequest(request -> console.session().admitted(request)
            ? wholeBody(() -> adminRoutes) : access.admin(() -> wholeBody(() -> adminRoutes)))),
        pathPrefix("console", () -> console.route(models.route())),
        pathPrefix("v1", () -> v1));
    return () -> all;
  }

  /** {@code inner}'s answers, refusals included, with Anthropic's {@code request-id}: ours unless it set its own. */
  private Route withAnthropicRequestId(Route inner) {
    return extractRequest(request -> mapResponse(response -> response.getHeader(AnthropicMessages.REQUEST_ID).isPresent()
        ? response
        : response.addHeader(RawHeader.create(AnthropicMessages.REQUEST_ID, RequestTracing.requestId(request))),
        () -> inner));
  }

  /**
   * {@code inner} with the request's body read whole first ({@link RequestBodies}: the same limit and
   * timeout as {@code /v1}), so an admin route never waits on a body that does not end, nor reads past
   * the limit; a refusal is answered by the exception handler in the OpenAI envelope.
   */
  private Route wholeBody(Supplier<Route> inner) {
    return extractRequest(request -> onSuccess(bodies.read(request),
        body -> mapRequest(r -> r.withEntity(body), inner)));
  }

  private RejectionHandler rejectionHandler() {
    return RejectionHandler.newBuilder()
        .handleAll(MethodRejection.class, rejections -> extractRequest(request -> complete(error(
            ApiError.of(405, ApiError.INVALID_REQUEST, "method_not_allowed", null,
                "Method " + request.method().value() + " is not allowed on " + request.getUri().path()
                    + "; use " + rejections.stream().map(r -> r.supported().value())
                        .collect(Collectors.joining(" or ")) + ".")))))
        .handleNotFound(extractRequest(request -> complete(error(
            ApiError.of(404, ApiError.INVALID_REQUEST, "unknown_url", null,
                "Unknown request URL: " + request.method().value() + " " + request.getUri().path()
                    + ". GET /openapi.json describes every route; the main ones are POST /v1/chat/completions,"
                    + " POST /v1/responses, POST /v1/embeddings, POST /v1/messages, GET /v1/models, /admin/* (admin key)"
                    + " and GET /console.")))))
        .handle(MalformedRequestContentRejection.class, rejection -> complete(error(
            ApiError.invalidRequest("The request body could not be read as this route expects; see the API"
                + " reference for its shape.", null, "invalid_body"))))
        // Pekko's own rejections name internal types and exceptions: the client hears what to do instead.
        .handle(Rejection.class, rejection -> complete(error(
            ApiError.invalidRequest("The request was refused as sent: check its method, headers and body against"
                + " the API reference.", null, "invalid_request"))))
        .build();
  }

  private ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder()
        .match(Throwable.class, failure -> extractRequest(request -> {
          if (ApiError.isUnexpected(failure)) {
            RequestLog.unexpected(log, RequestTracing.requestId(request), request.method().value() + " "
                + request.getUri().path(), ApiError.unwrap(failure));
          }
          return complete(error(ApiError.from(failure, mapper)));
        }))
        .build();
  }

  private HttpResponse error(ApiError error) {
    return error.toResponse(mapper);
  }

  private static HttpResponse jsonResponse(int status, String json) {
    return HttpResponse.create().withStatus(StatusCodes.get(status)).withEntity(ContentTypes.APPLICATION_JSON, json);
  }
}
