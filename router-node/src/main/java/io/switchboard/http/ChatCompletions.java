package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.config.HttpSettings;
import io.switchboard.config.ProviderKind;
import io.switchboard.provider.AdmissionRejectedException;
import io.switchboard.provider.Permit;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamCall;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.ModelRouter;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
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
 * {@code POST /v1/chat/completions}: read the body (bounded), decode it once, route the model, take a
 * slot at the provider, call the upstream from this node, and answer: JSON, or server-sent events
 * passed through as they arrive. The slot is released on every path, exactly once.
 */
final class ChatCompletions {
  static final String DEPLOYMENT_HEADER = "x-switchboard-deployment";
  static final String SIMULATED_HEADER = "x-switchboard-simulated";

  private static final Logger log = LoggerFactory.getLogger(ChatCompletions.class);

  private final ModelRouter router;
  private final ObjectMapper mapper;
  private final HttpSettings http;
  private final Materializer materializer;
  private final ChatRequestDecoder decoder;
  /** Response headers by model: fixed per deployment, so built once rather than per request. */
  private final Map<String, List<HttpHeader>> headersByModel;

  ChatCompletions(ModelRouter router, ObjectMapper mapper, HttpSettings http, Materializer materializer) {
    this.router = router;
    this.mapper = mapper;
    this.http = http;
    this.materializer = materializer;
    this.decoder = new ChatRequestDecoder(mapper);
    this.headersByModel = router.deployments().stream()
        .collect(Collectors.toUnmodifiableMap(d -> d.model().name(), ChatCompletions::headers));
  }

  CompletionStage<HttpResponse> handle(HttpRequest request) {
    return request.entity()
        .withSizeLimit(http.maxRequestBody())
        .toStrict(http.requestBodyTimeout().toMillis(), materializer)
        .exceptionally(error -> {
          throw bodyError(error);
        })
        .thenCompose(strict -> serve(strict.getData()))
        .exceptionally(this::errorResponse);
  }

  private CompletionStage<HttpResponse> serve(ByteString body) {
    ChatCompletionRequest chat = decoder.decode(body);
    Deployment deployment = router.route(chat.model()).orElseThrow(() -> modelNotFound(chat.model()));
    return deployment.provider().acquire().thenCompose(permit -> call(deployment, chat, body, permit));
  }

  private CompletionStage<HttpResponse> call(Deployment deployment, ChatCompletionRequest chat, ByteString body,
      Permit permit) {
    CompletionStage<UpstreamReply> reply;
    try {
      reply = deployment.provider().upstream().send(new UpstreamCall(chat, body, deployment.upstreamModel()));
    } catch (RuntimeException e) {
      permit.release();
      return CompletableFuture.failedFuture(e);
    }
    List<HttpHeader> headers = headersByModel.get(deployment.model().name());
    return reply.handle((answer, error) -> {
      if (error != null) {
        permit.release();
        throw new CompletionException(error);
      }
      if (answer instanceof UpstreamReply.Streaming streaming) {
        return SseResponse.of(streaming.events(), permit::release, headers, mapper);
      }
      permit.release();
      ByteString json = ((UpstreamReply.Complete) answer).body();
      return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, json).addHeaders(headers);
    });
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
    if (cause instanceof UpstreamException) {
      log.warn("upstream failure answered {}: {}", error.status(), cause.getMessage());
    } else if (!(cause instanceof ApiError) && !(cause instanceof AdmissionRejectedException)) {
      log.error("chat completion failed unexpectedly", cause);
    }
    return error.toResponse(mapper);
  }
}
