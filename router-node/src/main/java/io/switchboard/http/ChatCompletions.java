package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.config.HttpSettings;
import io.switchboard.config.ProviderKind;
import io.switchboard.logging.RequestLog;
import io.switchboard.metrics.Telemetry;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.Permit;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.provider.UsageReader;
import io.switchboard.keys.Caller;
import io.switchboard.provider.anthropic.AnthropicUsage;
import io.switchboard.usage.Meter;
import io.switchboard.usage.Metering;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.Dispatcher;
import io.switchboard.routing.ModelRouter;
import io.switchboard.routing.RequestTrace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.AttributeKey;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/chat/completions}: read the body (bounded), decode it once, route the model to its
 * deployments, let the {@link Dispatcher} get it admitted and served (retries, fallbacks), and answer:
 * JSON, or server-sent events passed through as they arrive. The permit is released on every path,
 * exactly once, with the usage the upstream reported, so the provider's buckets settle.
 */
final class ChatCompletions {
  static final String DEPLOYMENT_HEADER = "x-switchboard-deployment";
  static final String SIMULATED_HEADER = "x-switchboard-simulated";
  static final String MAX_WAIT_HEADER = "x-switchboard-max-wait";
  /**
   * On a request from the Anthropic ingress: the client's own Messages request, which an Anthropic
   * upstream gets as it is (the request's body is its OpenAI translation, for routing and admission).
   */
  static final AttributeKey<ByteString> ANTHROPIC_REQUEST = AttributeKey.create("anthropic-request", ByteString.class);
  /** On a response: it is the Anthropic upstream's own answer, to be passed on untranslated. */
  static final AttributeKey<Boolean> ANTHROPIC_ANSWER = AttributeKey.create("anthropic-answer", Boolean.class);

  private static final Logger log = LoggerFactory.getLogger(ChatCompletions.class);

  private final ModelRouter router;
  private final Dispatcher dispatcher;
  private final Metering metering;
  private final ObjectMapper mapper;
  private final ChatRequestDecoder decoder;
  private final RequestBodies bodies;
  private final UsageReader usage;
  private final AnthropicUsage anthropicUsage;
  /** Stateless, so built once: each holds the error it ends a cut-short stream with. */
  private final SseDialect openAiStreams;
  private final SseDialect anthropicStreams;
  /** Response headers by deployment label: fixed per deployment, so built once rather than per request. */
  private final Map<String, List<HttpHeader>> headersByDeployment;
  private final CachedChat cache;
  private final Telemetry telemetry;

  ChatCompletions(ModelRouter router, Dispatcher dispatcher, Metering metering, ObjectMapper mapper, HttpSettings http,
      Materializer materializer, CachedChat cache, Telemetry telemetry) {
    this.cache = cache;
    this.telemetry = telemetry;
    this.router = router;
    this.dispatcher = dispatcher;
    this.metering = metering;
    this.mapper = mapper;
    this.decoder = new ChatRequestDecoder(mapper);
    this.bodies = new RequestBodies(http, materializer);
    this.usage = new UsageReader(mapper);
    this.anthropicUsage = new AnthropicUsage(mapper);
    this.openAiStreams = SseDialect.openAi(usage, mapper);
    this.anthropicStreams = SseDialect.anthropic(anthropicUsage, mapper);
    this.headersByDeployment = router.deployments().stream()
        .collect(Collectors.toUnmodifiableMap(Deployment::label, ChatCompletions::headers, (a, b) -> a));
  }

  CompletionStage<HttpResponse> handle(HttpRequest request) {
    Exchange exchange = new Exchange(new RequestTrace(RequestTracing.requestId(request)), System.nanoTime());
    return bodies.read(request)
        .thenCompose(strict -> serve(request, strict.getData(), exchange))
        .exceptionally(failure -> errorResponse(failure, exchange));
  }

  /** One request on its way: its trace, when it arrived, and its model once routing accepted it. */
  private static final class Exchange {
    final RequestTrace trace;
    final long startedNanos;
    volatile String model;

    Exchange(RequestTrace trace, long startedNanos) {
      this.trace = trace;
      this.startedNanos = startedNanos;
    }
  }

  /**
   * Routes, checks the caller may use the model, answers from the cache when the request uses it and
   * a stored answer exists (a hit costs the key nothing and calls no upstream), and otherwise gets the
   * call admitted by the key (limits, budget) and dispatched.
   */
  private CompletionStage<HttpResponse> serve(HttpRequest request, ByteString body, Exchange exchange) {
    Optional<Duration> maxWait = maxWait(request);
    ByteString anthropicBody = request.getAttribute(ANTHROPIC_REQUEST).orElse(null);
    ChatCompletionRequest chat = decoder.decode(body);
    List<Deployment> deployments = router.route(chat.model()).orElseThrow(() -> modelNotFound(chat.model()));
    exchange.model = chat.model();
    Caller caller = Caller.of(request);
    caller.key().filter(key -> !key.mayUse(chat.model())).ifPresent(key -> {
      throw Metering.modelNotAllowed(key, chat.model());
    });
    Optional<String> cacheKey = cache.keyFor(request, chat, body);
    if (cacheKey.isPresent()) {
      Optional<HttpResponse> hit = cache.hit(cacheKey.get(), chat);
      if (hit.isPresent()) return CompletableFuture.completedFuture(hit.get());
    }
    return metering.open(caller, chat, deployments, exchange.trace.requestId()).thenCompose(meter ->
        meter.watch(dispatcher.dispatch(chat, body, anthropicBody, deployments, maxWait, exchange.trace, meter))
            .thenApply(call -> anthropicBody != null && call.deployment().provider().upstream().passesAnthropicThrough()
                ? respondInAnthropicDialect(call, exchange, meter)
                : respond(call, cacheKey, exchange, meter)));
  }

  /** The Anthropic upstream's own answer, settled with the usage it reports, marked for the ingress to pass on. */
  private HttpResponse respondInAnthropicDialect(Dispatcher.Dispatched call, Exchange exchange, Meter meter) {
    Deployment deployment = call.deployment();
    List<HttpHeader> headers = headersByDeployment.get(deployment.label());
    Permit permit = call.permit();
    Consumer<CallOutcome> release = outcome -> {
      permit.release(outcome);
      ended(call, exchange, outcome);
    };
    HttpResponse response;
    if (call.reply() instanceof UpstreamReply.Streaming streaming) {
      telemetry.firstEvent(exchange.model, deployment, System.nanoTime() - exchange.startedNanos);
      Meter.Streaming metered = meter.streaming(deployment, streaming.events(), release);
      response = SseResponse.of(metered.events(), metered.settle(), streaming.signals(), headers,
          anthropicStreams, mapper, exchange.trace.requestId());
    } else {
      UpstreamReply.Complete complete = (UpstreamReply.Complete) call.reply();
      TokenUsage used = anthropicUsage.fromMessage(complete.body()).orElse(null);
      release.accept(new CallOutcome.Succeeded(used, complete.signals()));
      meter.answered(deployment, used, complete.body());
      response = HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, complete.body()).addHeaders(headers);
    }
    return response.addAttribute(ANTHROPIC_ANSWER, true)
        .addAttribute(RequestTracing.UPSTREAM_NANOS, exchange.trace.upstreamNanos());
  }

  private HttpResponse respond(Dispatcher.Dispatched call, Optional<String> cacheKey, Exchange exchange, Meter meter) {
    Deployment deployment = call.deployment();
    List<HttpHeader> headers = headersByDeployment.get(deployment.label());
    if (cacheKey.isPresent()) headers = withHeader(headers, CachedChat.MISS);
    Permit permit = call.permit();
    HttpResponse response;
    if (call.reply() instanceof UpstreamReply.Streaming streaming) {
      telemetry.firstEvent(exchange.model, deployment, System.nanoTime() - exchange.startedNanos);
      Consumer<CallOutcome> release = outcome -> {
        permit.release(outcome);
        ended(call, exchange, outcome);
      };
      Meter.Streaming metered = meter.streaming(deployment, streaming.events(), release);
      response = SseResponse.of(metered.events(), metered.settle(), streaming.signals(), headers, openAiStreams, mapper,
          exchange.trace.requestId());
    } else {
      UpstreamReply.Complete complete = (UpstreamReply.Complete) call.reply();
      TokenUsage used = usage.fromCompletion(complete.body()).orElse(null);
      CallOutcome outcome = new CallOutcome.Succeeded(used, complete.signals());
      permit.release(outcome);
      ended(call, exchange, outcome);
      meter.answered(deployment, used, complete.body());
      cacheKey.ifPresent(key -> cache.store(key, complete.body(), deployment.label()));
      response = HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, complete.body()).addHeaders(headers);
    }
    return response.addAttribute(RequestTracing.UPSTREAM_NANOS, exchange.trace.upstreamNanos());
  }

  /** The served call ended (a stream: at its last event, failure or the client leaving). */
  private void ended(Dispatcher.Dispatched call, Exchange exchange, CallOutcome outcome) {
    long now = System.nanoTime();
    telemetry.callEnded(call.deployment(), outcome, now - call.sentNanos());
    TokenUsage used = outcome instanceof CallOutcome.Succeeded s ? s.usage() : null;
    String error = outcome instanceof CallOutcome.Succeeded ? null
        : outcome instanceof CallOutcome.NotSent ? "client_closed" : "stream_failed";
    telemetry.requestEnded(exchange.model, call.deployment(), used, now - exchange.startedNanos, error);
  }

  private static List<HttpHeader> withHeader(List<HttpHeader> headers, HttpHeader extra) {
    List<HttpHeader> all = new ArrayList<>(headers);
    all.add(extra);
    return all;
  }

  /** The client's own admission wait, from {@value #MAX_WAIT_HEADER}: milliseconds, or a duration like {@code 5s}. */
  private static Optional<Duration> maxWait(HttpRequest request) {
    Optional<HttpHeader> header = request.getHeader(MAX_WAIT_HEADER);
    if (header.isEmpty()) return Optional.empty();
    String value = header.get().value().trim();
    try {
      Duration wait = value.chars().allMatch(Character::isDigit)
          ? Duration.ofMillis(Long.parseLong(value))
          : ConfigFactory.parseString("w = \"" + value.replace("\"", "") + "\"").getDuration("w");
      if (!wait.isNegative()) return Optional.of(wait);
    } catch (RuntimeException invalid) {
      // answered below
    }
    throw ApiError.of(400, ApiError.INVALID_REQUEST, "invalid_header", MAX_WAIT_HEADER,
        "Header " + MAX_WAIT_HEADER + " must be milliseconds or a duration such as 5s; got '" + value + "'.");
  }

  private static List<HttpHeader> headers(Deployment deployment) {
    HttpHeader served = RawHeader.create(DEPLOYMENT_HEADER, deployment.label());
    return deployment.provider().settings().kind() == ProviderKind.SIMULATED
        ? List.of(served, RawHeader.create(SIMULATED_HEADER, "true"))
        : List.of(served);
  }

  private ApiError modelNotFound(String model) {
    return ApiError.of(404, ApiError.INVALID_REQUEST, "model_not_found", "model",
        "The model '" + model + "' does not exist or is not served by this gateway. GET /v1/models lists the models"
            + " it serves.");
  }

  private HttpResponse errorResponse(Throwable failure, Exchange exchange) {
    ApiError error = ApiError.from(failure, mapper);
    Throwable cause = ApiError.unwrap(failure);
    if (cause instanceof UpstreamException || cause instanceof Dispatcher.ContextTooLongException) {
      RequestLog.with(exchange.trace.requestId(),
          () -> log.warn("upstream failure answered {}: {}", error.status(), cause.getMessage()));
    } else if (ApiError.isUnexpected(cause)) {
      RequestLog.unexpected(log, exchange.trace.requestId(), "chat completion", cause);
    }
    if (exchange.model != null) {
      // Only routed requests are measured, so an unknown model name never becomes a metric label; the
      // status is the error type, a small fixed set whatever the upstreams say.
      telemetry.requestEnded(exchange.model, null, null, System.nanoTime() - exchange.startedNanos,
          Integer.toString(error.status()));
    }
    return error.toResponse(mapper)
        .addAttribute(RequestTracing.UPSTREAM_NANOS, exchange.trace.upstreamNanos());
  }
}
