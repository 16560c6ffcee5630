package io.switchboard.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.anthropic.CountTokensRequest;
import io.switchboard.api.anthropic.CountTokensResponse;
import io.switchboard.api.anthropic.ErrorEnvelope;
import io.switchboard.api.anthropic.ErrorInfo;
import io.switchboard.api.anthropic.MessagesRequest;
import io.switchboard.api.anthropic.StreamEvent;
import io.switchboard.api.openai.ChatCompletion;
import io.switchboard.api.openai.ChatCompletionChunk;
import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.cache.CachePolicy;
import io.switchboard.config.HttpSettings;
import io.switchboard.logging.RequestLog;
import io.switchboard.provider.UntranslatableRequestException;
import io.switchboard.provider.anthropic.AnthropicErrors;
import io.switchboard.provider.anthropic.AnthropicToOpenAiRequest;
import io.switchboard.provider.anthropic.OpenAiToAnthropicResponse;
import io.switchboard.provider.anthropic.OpenAiToAnthropicStream;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.ModelRouter;
import io.switchboard.tokens.TokenEstimator;
import io.switchboard.usage.Metering;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import io.switchboard.keys.Caller;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Framing;
import org.apache.pekko.stream.javadsl.FramingTruncation;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Anthropic-compatible ingress: {@code POST /v1/messages} and {@code POST /v1/messages/count_tokens},
 * so that clients built on Anthropic's SDKs can reach every provider behind the gateway.
 *
 * <p>A Messages request is translated into an OpenAI chat completion ({@link AnthropicToOpenAiRequest})
 * and served by the one chat-completions path, with its routing, admission and upstream call; the
 * answer is translated back: a {@code chat.completion} into a message, the chunks of a stream into
 * Anthropic's events, an error envelope into Anthropic's ({@code {"type":"error","error":{...}}}) with
 * the same status. One request path to maintain: routing, admission, retries and fallbacks are the
 * chat path's. The key's refusals are Anthropic's too: {@link ApiRoutes} guards these routes with
 * {@link #refuse} (401 {@code authentication_error}), and the chat path's 403 (a model the key may not
 * use) and 429s (its rate limits; {@code insufficient_quota}, its budget) come back translated
 * ({@code permission_error}, {@code rate_limit_error}) with their {@code retry-after}.
 *
 * <p>When the deployment that serves is itself Anthropic, nothing is translated on the way: the
 * chat path gets the client's bytes along (a request attribute) and the Anthropic upstream sends them
 * on and answers with its own message or events, marked so that they are passed back as they are
 * (the permit is settled with the usage Anthropic reported). The request is still translated once,
 * for what routing and admission read (model, max_tokens, prompt size); a fallback to another kind
 * of provider gets that translation.
 *
 * <p>{@code count_tokens} answers without calling the upstream: the request is translated as a
 * Messages request would be, and its prompt counted by {@link TokenEstimator} for the model's primary
 * deployment, so the figure is the one admission reserves: exact text counts (jtokkit) when that
 * deployment is an OpenAI-family model, the documented estimate (UTF-8 bytes / 4) otherwise, each
 * with the chat framing OpenAI documents. A model the gateway does not serve is 404, as for messages;
 * one the caller's key may not use is 403.
 */
final class AnthropicMessages {
  private static final Logger log = LoggerFactory.getLogger(AnthropicMessages.class);
  private static final ByteString EVENT_END = ByteString.fromString("\n\n");
  private static final int MAX_EVENT = 1024 * 1024;
  /** Anthropic's keep-alive event, byte for byte as Anthropic sends it. */
  private static final ByteString MESSAGE_START = ByteString.fromString("event: message_start\n");
  private static final ByteString PING = ByteString.fromString("event: ping\ndata: {\"type\": \"ping\"}\n\n");

  private final Function<HttpRequest, CompletionStage<HttpResponse>> chat;
  private final ObjectMapper mapper;
  private final HttpSettings http;
  private final Materializer materializer;
  private final RequestBodies bodies;
  private final ModelRouter router;
  private final TokenEstimator estimator;

  /** @param chat the chat completions path: an OpenAI request in, an OpenAI response out */
  AnthropicMessages(Function<HttpRequest, CompletionStage<HttpResponse>> chat, ObjectMapper mapper, HttpSettings http,
      Materializer materializer, ModelRouter router, TokenEstimator estimator) {
    this.chat = chat;
    this.router = router;
    this.estimator = estimator;
    this.mapper = mapper;
    this.http = http;
    this.materializer = materializer;
    this.bodies = new RequestBodies(http, materializer);
  }

  CompletionStage<HttpResponse> messages(HttpRequest request) {
    return body(request).thenCompose(body -> {
      MessagesRequest messages = decode(body, MessagesRequest.class);
      MessagesRequestCheck.check(messages);
      byte[] openAi;
      try {
        openAi = mapper.writeValueAsBytes(AnthropicToOpenAiRequest.translate(messages));
      } catch (UntranslatableRequestException e) {
        throw new Refusal(400, ErrorInfo.INVALID_REQUEST, e.getMessage());
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a translated request could not be written", e);
      }
      HttpRequest forward = carryTracing(request, HttpRequest.POST("/v1/chat/completions")
          .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, openAi)))
          .addAttribute(ChatCompletions.ANTHROPIC_REQUEST, body);
      return chat.apply(forward).thenCompose(response -> answer(response, messages)
          .thenApply(answer -> answer.addAttribute(RequestTracing.UPSTREAM_NANOS,
              response.getAttribute(RequestTracing.UPSTREAM_NANOS).orElse(0L))));
    }).exceptionally(failure -> refusal(failure, request));
  }

  /**
   * The chat path sees the client's request id, cache choice and caller (the key that authenticated), and hands back
   * its upstream time, so the Anthropic ingress is traced and cached like the OpenAI one.
   */
  private static HttpRequest carryTracing(HttpRequest original, HttpRequest forward) {
    HttpRequest carried = forward;
    for (String name : List.of(RequestTracing.REQUEST_ID, CachePolicy.HEADER)) {
      Optional<HttpHeader> header = original.getHeader(name);
      if (header.isPresent()) carried = carried.addHeader(header.get());
    }
    return carried.addAttribute(Caller.ATTRIBUTE, Caller.of(original));
  }

  CompletionStage<HttpResponse> countTokens(HttpRequest request) {
    return body(request).thenApply(body -> {
      CountTokensRequest count = decode(body, CountTokensRequest.class);
      if (count.model() == null || count.model().isBlank()) throw invalid("model: Field required");
      if (count.messages() == null) throw invalid("messages: Field required");
      Deployment primary = router.route(count.model()).map(deployments -> deployments.get(0)).orElseThrow(() ->
          new Refusal(404, ErrorInfo.NOT_FOUND, "model: the model '" + count.model() + "' is not served by this"
              + " gateway. GET /v1/models lists the models it serves."));
      // A key limited to some models may not learn how another one counts its prompt either; the count itself
      // is free, so the key's rate limits and budget are not consulted.
      Caller.of(request).key().filter(key -> !key.mayUse(count.model())).ifPresent(key -> {
        throw Metering.modelNotAllowed(key, count.model());
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
    }).exceptionally(failure -> refusal(failure, request));
  }

  /** The body as {@link RequestBodies} reads it; its refusals reach the client in Anthropic's envelope. */
  private CompletionStage<ByteString> body(HttpRequest request) {
    return bodies.read(request).thenApply(HttpEntity.Strict::getData);
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

  private CompletionStage<HttpResponse> answer(HttpResponse response, MessagesRequest request) {
    // An Anthropic upstream answered in Anthropic's dialect: its bytes go to the client as they are.
    if (response.getAttribute(ChatCompletions.ANTHROPIC_ANSWER).isPresent()) {
      return CompletableFuture.completedFuture(response);
    }
    List<HttpHeader> headers = new ArrayList<>();
    response.getHeaders().forEach(h -> {
      String name = h.lowercaseName();
      if (name.startsWith("x-switchboard-") || name.equals("retry-after")) headers.add(h);
    });
    if (!response.status().isSuccess()) {
      return response.entity().toStrict(http.requestBodyTimeout().toMillis(), materializer)
          .thenApply(strict -> errorResponse(response.status().intValue(), strict.getData()).addHeaders(headers));
    }
    if (response.entity().getContentType().mediaType().equals(MediaTypes.TEXT_EVENT_STREAM)) {
      return CompletableFuture.completedFuture(HttpResponse.create()
          .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(),
              events(response, request)))
          .addHeaders(headers));
    }
    return response.entity().toStrict(http.requestBodyTimeout().toMillis(), materializer).thenApply(strict -> {
      try {
        ChatCompletion completion = mapper.readValue(strict.getData().toArrayUnsafe(), ChatCompletion.class);
        return json(200, OpenAiToAnthropicResponse.translate(completion)).addHeaders(headers);
      } catch (java.io.IOException e) {
        throw new IllegalStateException("the chat path answered 200 with a body that is not a chat completion", e);
      }
    });
  }

  /**
   * The OpenAI events of the chat path as Anthropic's, one translator per stream, with Anthropic's
   * {@code ping}s: one right after {@code message_start}, then one whenever the upstream has been
   * silent for {@code http.anthropic-ping-interval} (never before {@code message_start}, which must
   * come first).
   */
  private Source<ByteString, NotUsed> events(HttpResponse response, MessagesRequest request) {
    Source<ByteString, NotUsed> frames = response.entity().getDataBytes()
        .via(Framing.delimiter(EVENT_END, MAX_EVENT, FramingTruncation.ALLOW))
        .mapMaterializedValue(ignored -> NotUsed.getInstance());
    // Compared by identity: the marker keepAlive injects for a silence, never a frame from upstream.
    ByteString silence = ByteString.fromString("silence");
    Duration interval = http.anthropicPingInterval();
    Source<ByteString, NotUsed> withSilences =
        interval.isZero() ? frames : frames.keepAlive(interval, () -> silence);
    return Source.lazySource(() -> {
      OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream(request.model());
      boolean[] started = new boolean[1];
      return withSilences.mapConcat(frame -> {
        if (frame == silence) return started[0] ? List.of(PING) : List.<ByteString>of();
        List<ByteString> events = translate(frame.utf8String(), stream);
        if (started[0] || events.isEmpty() || !startsWith(events.get(0), MESSAGE_START)) return events;
        started[0] = true;
        List<ByteString> first = new ArrayList<>(events.size() + 1);
        first.add(events.get(0));
        first.add(PING);
        first.addAll(events.subList(1, events.size()));
        return first;
      });
    }).mapMaterializedValue(ignored -> NotUsed.getInstance());
  }

  private List<ByteString> translate(String frame, OpenAiToAnthropicStream stream) throws java.io.IOException {
    String data = frame.startsWith("data: ") ? frame.substring(6).strip() : null;
    if (data == null || data.isEmpty()) return List.of();
    List<StreamEvent> events;
    if (data.equals(OpenAiJson.DONE_SENTINEL)) {
      events = stream.finish();
    } else {
      JsonNode node = mapper.readTree(data);
      if (node.has("error")) {
        JsonNode error = node.get("error");
        return List.of(event("error", ErrorEnvelope.of(streamErrorType(error), error.path("message").asText())));
      }
      events = stream.next(mapper.treeToValue(node, ChatCompletionChunk.class));
    }
    List<ByteString> out = new ArrayList<>(events.size());
    for (StreamEvent e : events) out.add(event(e.eventName(), e));
    return out;
  }

  private ByteString event(String name, Object data) throws JsonProcessingException {
    return ByteString.fromString("event: " + name + "\ndata: ").concat(ByteString.fromArrayUnsafe(
        mapper.writeValueAsBytes(data))).concat(EVENT_END);
  }

  private static String streamErrorType(JsonNode error) {
    String type = error.path("type").asText();
    if (type.equals("rate_limit_error")) return ErrorInfo.RATE_LIMIT;
    if (type.equals(ApiError.OVERLOADED_TYPE)) return ErrorInfo.OVERLOADED;
    return type.equals(ErrorInfo.INVALID_REQUEST) ? ErrorInfo.INVALID_REQUEST : ErrorInfo.API;
  }

  /**
   * An OpenAI error envelope from the chat path as Anthropic's, same status; except an overloaded
   * upstream (503 {@code overloaded_error}), which Anthropic's clients know as 529 and retry as such.
   */
  private HttpResponse errorResponse(int status, ByteString body) {
    String message = "HTTP " + status;
    String type = "";
    try {
      JsonNode error = mapper.readTree(body.toArrayUnsafe()).path("error");
      message = error.path("message").asText(message);
      type = error.path("type").asText("");
    } catch (java.io.IOException e) {
      // not an envelope: the status alone tells the client what happened
    }
    int anthropicStatus = type.equals(ApiError.OVERLOADED_TYPE) ? AnthropicErrors.OVERLOADED_STATUS : status;
    return json(anthropicStatus, ErrorEnvelope.of(errorType(anthropicStatus), message));
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

  /** A failure before the chat path answered, in Anthropic's envelope; a bug is logged, as its 500 says. */
  private HttpResponse refusal(Throwable failure, HttpRequest request) {
    Throwable t = ApiError.unwrap(failure);
    if (t instanceof Refusal r) return json(r.status, ErrorEnvelope.of(r.type, r.getMessage()));
    if (ApiError.isUnexpected(t)) {
      RequestLog.unexpected(log, RequestTracing.requestId(request), "Anthropic " + request.getUri().path(), t);
    }
    return refuse(ApiError.from(t, mapper));
  }

  /**
   * One of the gateway's own refusals (a missing or unknown key: see {@link Authentication}) in
   * Anthropic's envelope, with the same status and message.
   */
  HttpResponse refuse(ApiError error) {
    return json(error.status(), ErrorEnvelope.of(errorType(error.status()), error.getMessage()));
  }

  private HttpResponse json(int status, Object body) {
    try {
      return HttpResponse.create().withStatus(status(status))
          .withEntity(ContentTypes.APPLICATION_JSON, mapper.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean startsWith(ByteString event, ByteString prefix) {
    return event.length() >= prefix.length() && event.slice(0, prefix.length()).equals(prefix);
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
