package io.switchboard.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.anthropic.CountTokensRequest;
import io.switchboard.api.anthropic.CountTokensResponse;
import io.switchboard.api.anthropic.ErrorEnvelope;
import io.switchboard.api.anthropic.ErrorInfo;
import io.switchboard.api.anthropic.MessagesRequest;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.cache.CachePolicy;
import io.switchboard.exchange.Call;
import io.switchboard.exchange.ChatPipeline;
import io.switchboard.http.connection.ClientGone;
import io.switchboard.keys.Caller;
import io.switchboard.keys.ModelNotAllowedException;
import io.switchboard.provider.UntranslatableRequestException;
import io.switchboard.provider.anthropic.AnthropicErrors;
import io.switchboard.provider.anthropic.AnthropicToOpenAiRequest;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.ModelRouter;
import io.switchboard.routing.RequestTrace;
import io.switchboard.tokens.TokenEstimator;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.util.ByteString;

/**
 * The Anthropic-compatible ingress: {@code POST /v1/messages} and {@code POST /v1/messages/count_tokens},
 * so that clients built on Anthropic's SDKs can reach every provider behind the gateway.
 *
 * <p>A Messages request is decoded once, checked, and translated once into the chat request that
 * routing, admission and the translating upstreams read ({@link AnthropicToOpenAiRequest}); the
 * {@link Call} carries that translation and the client's own bytes to the same {@link ChatPipeline}
 * the OpenAI ingress uses. When the deployment that serves is itself Anthropic, it is sent the
 * client's bytes and its answer comes back as it is; any other answer is translated back once
 * ({@link AnthropicAnswers}). Failures are told in Anthropic's envelope
 * ({@code {"type":"error","error":{...}}}) with the same status; an overloaded upstream (503
 * {@code overloaded_error}) as 529, which Anthropic's clients know and retry. The key's refusals are
 * Anthropic's too: {@link ApiRoutes} guards these routes with {@link #refuse} (401
 * {@code authentication_error}), and the pipeline's 403 (a model the key may not use) and 429s (its
 * rate limits; {@code insufficient_quota}, its budget) come back as {@code permission_error} and
 * {@code rate_limit_error} with their {@code retry-after}.
 *
 * <p>{@code count_tokens} answers without calling the upstream: the request is translated as a
 * Messages request would be, and its prompt counted by {@link TokenEstimator} for the model's primary
 * deployment, so the figure is the one admission reserves: exact text counts (jtokkit) when that
 * deployment is an OpenAI-family model, the documented estimate (UTF-8 bytes / 4) otherwise, each
 * with the chat framing OpenAI documents. A model the gateway does not serve is 404, as for messages;
 * one the caller's key may not use is 403.
 */
final class AnthropicMessages {
  /**
   * Anthropic's own request id header, which its SDKs read ({@code _request_id}): the id the answering
   * upstream gave its answer (or, for a refusal, the failing upstream its error) when it gave one,
   * otherwise the gateway's ({@link RequestTracing#REQUEST_ID}'s value).
   * {@link ApiRoutes} puts it on every answer under {@code /v1/messages}, refusals included.
   */
  static final String REQUEST_ID = "request-id";

  private final ChatPipeline pipeline;
  private final ObjectMapper mapper;
  private final RequestBodies bodies;
  private final CachePolicy cachePolicy;
  private final AnswerHeaders headers;
  private final AnthropicAnswers answers;
  private final ModelRouter router;
  private final TokenEstimator estimator;

  AnthropicMessages(ChatPipeline pipeline, ObjectMapper mapper, RequestBodies bodies, CachePolicy cachePolicy,
      AnswerHeaders headers, AnthropicAnswers answers, ModelRouter router, TokenEstimator estimator) {
    this.pipeline = pipeline;
    this.mapper = mapper;
    this.bodies = bodies;
    this.cachePolicy = cachePolicy;
    this.headers = headers;
    this.answers = answers;
    this.router = router;
    this.estimator = estimator;
  }

  CompletionStage<HttpResponse> messages(HttpRequest request) {
    long started = System.nanoTime();
    RequestTrace trace = new RequestTrace(RequestTracing.requestId(request), ClientGone.of(request));
    return bodies.bytes(request).thenCompose(received -> {
      RouteOverrides.Stripped stripped = RouteOverrides.strip(received, mapper);
      ByteString body = stripped.body();
      MessagesRequest messages = decode(body, MessagesRequest.class);
      MessagesRequestCheck.check(messages);
      ChatCompletionRequest chat;
      try {
        chat = AnthropicToOpenAiRequest.translate(messages);
      } catch (UntranslatableRequestException e) {
        throw new Refusal(400, ErrorInfo.INVALID_REQUEST, e.getMessage());
      }
      Caller caller = Caller.of(request);
      Call call = Call.anthropic(trace, started, caller, chat, body, ChatCompletions.maxWait(request),
          cachePolicy.enabledFor(caller.cache(), request)).inSession(ChatCompletions.session(request))
          .withObjective(RouteOverrides.objective(request, stripped))
          .withFanOutDetail(ChatCompletions.fanOutDetail(request));
      return pipeline.serve(call).thenApply(answer ->
          answers.respond(answer, messages.model(), headers.of(answer.served()), trace.requestId(),
                  () -> promptEstimate(chat, answer.served().deployment()))
              .addHeader(RawHeader.create(REQUEST_ID, trace.upstreamRequestId().orElse(trace.requestId())))
              .addAttribute(RequestTracing.UPSTREAM_NANOS, trace.upstreamNanos()));
    }).exceptionally(failure -> refusal(failure, trace));
  }

  CompletionStage<HttpResponse> countTokens(HttpRequest request) {
    return bodies.bytes(request).thenApply(body -> {
      CountTokensRequest count = decode(body, CountTokensRequest.class);
      if (count.model() == null || count.model().isBlank()) throw invalid("model: Field required");
      if (count.messages() == null) throw invalid("messages: Field required");
      Deployment primary = router.route(count.model()).map(deployments -> deployments.get(0)).orElseThrow(() ->
          new Refusal(404, ErrorInfo.NOT_FOUND, "model: the model '" + count.model() + "' is not served by this"
              + " gateway. GET /v1/models lists the models it serves."));
      // A key limited to some models may not learn how another one counts its prompt either; the count itself
      // is free, so the key's rate limits and budget are not consulted.
      Caller.of(request).key().filter(key -> !key.mayUse(count.model())).ifPresent(key -> {
        throw new ModelNotAllowedException(key, count.model());
      });
      MessagesRequest asMessages = new MessagesRequest(count.model(), count.messages(), count.system(), 1, null, null,
          null, null, null, null, count.tools(), count.toolChoice(), count.extra());
      MessagesRequestCheck.check(asMessages);
      int tokens;
      try {
        tokens = estimator.promptTokens(AnthropicToOpenAiRequest.translate(asMessages), primary.upstreamModel());
      } catch (UntranslatableRequestException e) {
        throw invalid(e.getMessage());
      } catch (IllegalArgumentException e) {
        throw invalid("messages: " + e.getMessage());
      }
      return json(200, new CountTokensResponse(tokens));
    }).exceptionally(failure -> refusal(failure, new RequestTrace(RequestTracing.requestId(request), ClientGone.of(request))));
  }

  /**
   * The prompt's tokens at the deployment that served ({@code label}), as admission counted them; the
   * primary deployment's count if that one is no longer routed.
   */
  private int promptEstimate(ChatCompletionRequest chat, String label) {
    String upstreamModel = router.route(chat.model()).flatMap(deployments -> deployments.stream()
            .filter(d -> d.label().equals(label)).findFirst().or(() -> deployments.stream().findFirst()))
        .map(Deployment::upstreamModel).orElse(chat.model());
    try {
      return estimator.promptTokens(chat, upstreamModel);
    } catch (RuntimeException uncountable) {
      return 0;
    }
  }

  private <T> T decode(ByteString body, Class<T> type) {
    try {
      T value = mapper.readValue(body.toArrayUnsafe(), type);
      if (value == null) throw invalid("The request body must be a JSON object.");
      return value;
    } catch (JsonProcessingException e) {
      throw ChatRequestDecoder.invalidJson(e);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("reading from memory failed", e);
    }
  }


  /** The Anthropic error type Anthropic documents for a status. */
  static String errorType(int status) {
    return switch (status) {
      case 400, 405, 408 -> ErrorInfo.INVALID_REQUEST;
      case 401 -> ErrorInfo.AUTHENTICATION;
      case 403 -> ErrorInfo.PERMISSION;
      case 404 -> ErrorInfo.NOT_FOUND;
      case 413 -> ErrorInfo.REQUEST_TOO_LARGE;
      case 429 -> ErrorInfo.RATE_LIMIT;
      case 529 -> ErrorInfo.OVERLOADED;
      default -> ErrorInfo.API;
    };
  }

  private HttpResponse refusal(Throwable failure, RequestTrace trace) {
    Throwable t = ApiError.unwrap(failure);
    if (t instanceof Refusal r) return json(r.status, ErrorEnvelope.of(r.type, r.getMessage()));
    HttpResponse refused = refuse(Failures.logged(t, trace, mapper))
        .addAttribute(RequestTracing.UPSTREAM_NANOS, trace.upstreamNanos());
    return trace.upstreamRequestId().map(id -> refused.addHeader(RawHeader.create(REQUEST_ID, id))).orElse(refused);
  }

  /**
   * One of the gateway's refusals (a missing or unknown key: see {@link Authentication}; anything the
   * pipeline failed with) in Anthropic's envelope, with the same status and message and its
   * {@code retry-after}; an overloaded upstream as 529.
   */
  HttpResponse refuse(ApiError error) {
    int status = ApiError.OVERLOADED_TYPE.equals(error.body().error().type())
        ? AnthropicErrors.OVERLOADED_STATUS : error.status();
    HttpResponse response = json(status, ErrorEnvelope.of(errorType(status), error.getMessage()));
    return error.retryAfterHeader().map(response::addHeader).orElse(response);
  }

  private HttpResponse json(int status, Object body) {
    try {
      return HttpResponse.create().withStatus(status(status))
          .withEntity(ContentTypes.APPLICATION_JSON, mapper.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Pekko knows no 529, Anthropic's status for {@code overloaded_error}. */
  private static StatusCode status(int status) {
    return StatusCodes.lookup(status).orElseGet(() ->
        StatusCodes.custom(status, "Overloaded", "The upstream is overloaded.", false, true));
  }

  private static Refusal invalid(String message) {
    return new Refusal(400, ErrorInfo.INVALID_REQUEST, message);
  }

  /** A client error told in Anthropic's envelope. */
  private static final class Refusal extends RuntimeException {
    final int status;
    final String type;

    Refusal(int status, String type, String message) {
      super(message, null, false, false);
      this.status = status;
      this.type = type;
    }
  }
}
