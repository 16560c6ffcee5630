package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.config.HttpSettings;
import io.switchboard.config.ProviderKind;
import io.switchboard.provider.AdmissionRejectedException;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.Permit;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.provider.UsageReader;
import io.switchboard.provider.anthropic.AnthropicUsage;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.Dispatcher;
import io.switchboard.routing.ModelRouter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.AttributeKey;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
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
  private final ObjectMapper mapper;
  private final HttpSettings http;
  private final Materializer materializer;
  private final ChatRequestDecoder decoder;
  private final UsageReader usage;
  private final AnthropicUsage anthropicUsage;
  /** Response headers by deployment label: fixed per deployment, so built once rather than per request. */
  private final Map<String, List<HttpHeader>> headersByDeployment;

  ChatCompletions(ModelRouter router, Dispatcher dispatcher, ObjectMapper mapper, HttpSettings http,
      Materializer materializer) {
    this.router = router;
    this.dispatcher = dispatcher;
    this.mapper = mapper;
    this.http = http;
    this.materializer = materializer;
    this.decoder = new ChatRequestDecoder(mapper);
    this.usage = new UsageReader(mapper);
    this.anthropicUsage = new AnthropicUsage(mapper);
    this.headersByDeployment = router.deployments().stream()
        .collect(Collectors.toUnmodifiableMap(Deployment::label, ChatCompletions::headers, (a, b) -> a));
  }

  CompletionStage<HttpResponse> handle(HttpRequest request) {
    return request.entity()
        .withSizeLimit(http.maxRequestBody())
        .toStrict(http.requestBodyTimeout().toMillis(), materializer)
        .exceptionally(error -> {
          throw bodyError(error);
        })
        .thenCompose(strict -> serve(strict.getData(), request.getAttribute(ANTHROPIC_REQUEST).orElse(null),
            maxWait(request)))
        .exceptionally(this::errorResponse);
  }

  private CompletionStage<HttpResponse> serve(ByteString body, ByteString anthropicBody, Optional<Duration> maxWait) {
    ChatCompletionRequest chat = decoder.decode(body);
    List<Deployment> deployments = router.route(chat.model()).orElseThrow(() -> modelNotFound(chat.model()));
    return dispatcher.dispatch(chat, body, anthropicBody, deployments, maxWait).thenApply(call ->
        anthropicBody != null && call.deployment().provider().upstream().passesAnthropicThrough()
            ? respondInAnthropicDialect(call)
            : respond(call));
  }

  /** The Anthropic upstream's own answer, settled with the usage it reports, marked for the ingress to pass on. */
  private HttpResponse respondInAnthropicDialect(Dispatcher.Dispatched call) {
    List<HttpHeader> headers = headersByDeployment.get(call.deployment().label());
    Permit permit = call.permit();
    if (call.reply() instanceof UpstreamReply.Streaming streaming) {
      return SseResponse.of(streaming.events(), permit::release, streaming.signals(), headers,
          SseDialect.anthropic(anthropicUsage, mapper), mapper).addAttribute(ANTHROPIC_ANSWER, true);
    }
    UpstreamReply.Complete complete = (UpstreamReply.Complete) call.reply();
    permit.release(new CallOutcome.Succeeded(anthropicUsage.fromMessage(complete.body()).orElse(null),
        complete.signals()));
    return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, complete.body()).addHeaders(headers)
        .addAttribute(ANTHROPIC_ANSWER, true);
  }

  private HttpResponse respond(Dispatcher.Dispatched call) {
    List<HttpHeader> headers = headersByDeployment.get(call.deployment().label());
    Permit permit = call.permit();
    if (call.reply() instanceof UpstreamReply.Streaming streaming) {
      return SseResponse.of(streaming.events(), permit::release, streaming.signals(), headers, usage, mapper);
    }
    UpstreamReply.Complete complete = (UpstreamReply.Complete) call.reply();
    permit.release(new CallOutcome.Succeeded(usage.fromCompletion(complete.body()).orElse(null), complete.signals()));
    return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, complete.body()).addHeaders(headers);
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

  private RuntimeException bodyError(Throwable error) {
    Throwable cause = ApiError.unwrap(error);
    if (cause instanceof EntityStreamSizeException) {
      return ApiError.of(413, ApiError.INVALID_REQUEST, "request_too_large", null,
          "The request body is larger than this gateway's limit of " + http.maxRequestBody()
              + " bytes (switchboard.http.max-request-body).");
    }
    if (cause instanceof TimeoutException) {
      return ApiError.of(408, ApiError.INVALID_REQUEST, "request_timeout", null,
          "The request body did not arrive within " + http.requestBodyTimeout().toMillis() + " ms.");
    }
    return ApiError.of(400, ApiError.INVALID_REQUEST, "invalid_body", null,
        "The request body could not be read: " + cause.getMessage());
  }

  private HttpResponse errorResponse(Throwable failure) {
    ApiError error = ApiError.from(failure, mapper);
    Throwable cause = ApiError.unwrap(failure);
    if (cause instanceof UpstreamException || cause instanceof Dispatcher.ContextTooLongException) {
      log.warn("upstream failure answered {}: {}", error.status(), cause.getMessage());
    } else if (!(cause instanceof ApiError) && !(cause instanceof AdmissionRejectedException)) {
      log.error("chat completion failed unexpectedly", cause);
    }
    return error.toResponse(mapper);
  }
}
