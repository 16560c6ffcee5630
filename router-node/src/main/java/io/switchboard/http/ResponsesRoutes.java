package io.switchboard.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.cache.CachePolicy;
import io.switchboard.exchange.Answer;
import io.switchboard.exchange.Call;
import io.switchboard.exchange.ChatPipeline;
import io.switchboard.keys.Caller;
import io.switchboard.provider.UsageReader;
import io.switchboard.responses.ChatToResponse;
import io.switchboard.responses.ResponseChain;
import io.switchboard.responses.ResponseEvents;
import io.switchboard.responses.ResponseIds;
import io.switchboard.responses.ResponseStore;
import io.switchboard.responses.ResponsesRequest;
import io.switchboard.responses.ResponsesRequestException;
import io.switchboard.responses.ResponsesToChat;
import io.switchboard.responses.StoredResponse;
import io.switchboard.routing.RequestTrace;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The Responses API: {@code POST /v1/responses} (plain and streamed), {@code GET} and {@code DELETE
 * /v1/responses/{id}}, {@code GET /v1/responses/{id}/input_items}.
 *
 * <p>A request is decoded and checked once ({@link ResponsesRequest}: what is not served is 400 naming
 * it), the conversation it continues is read from the {@link ResponseStore} ({@link ResponseChain}),
 * and the whole is translated into one chat completion request ({@link ResponsesToChat}) that takes the
 * same {@link ChatPipeline} as {@code /v1/chat/completions}: keys, limits, budgets, admission, retries,
 * fallbacks and usage records all apply, and every upstream kind serves it. The chat answer comes back
 * as a Response object ({@link ChatToResponse}) or as the Responses event stream ({@link ResponseEvents}
 * over the guarded chat stream, {@link SseResponse}). A response created with {@code store: true} (the
 * default) is stored, under the calling key's id, before the client hears it is complete, so a
 * follow-up that names it finds it.
 *
 * <p>A model served by upstreams with their own Responses API ({@code openai.responses-api = native})
 * is passed through to them instead ({@link NativeResponses}).
 */
final class ResponsesRoutes extends AllDirectives {
  /** Whose stored responses an anonymous caller of an open gateway reads and writes: one shared owner. */
  static final String ANONYMOUS_OWNER = "anonymous";
  private static final ByteString EVENT_END = ByteString.fromString("\n\n");

  private final ChatPipeline pipeline;
  private final ObjectMapper mapper;
  private final RequestBodies bodies;
  private final CachePolicy cachePolicy;
  private final AnswerHeaders headers;
  private final ResponseStore store;
  private final ResponseChain chain;
  private final ResponseIds ids;
  private final Clock clock;
  private final SseDialect openAiStreams;
  private final NativeResponses passThrough;

  ResponsesRoutes(ChatPipeline pipeline, NativeResponses passThrough, ObjectMapper mapper, RequestBodies bodies,
      CachePolicy cachePolicy, AnswerHeaders headers, ResponseStore store, ResponseIds ids, Clock clock) {
    this.pipeline = pipeline;
    this.passThrough = passThrough;
    this.mapper = mapper;
    this.bodies = bodies;
    this.cachePolicy = cachePolicy;
    this.headers = headers;
    this.store = store;
    this.chain = new ResponseChain(store, mapper);
    this.ids = ids;
    this.clock = clock;
    this.openAiStreams = SseDialect.openAi(new UsageReader(mapper), mapper);
  }

  /** Mounted under {@code /v1}. */
  Route route() {
    Route create = pathEndOrSingleSlash(() -> post(() -> extractRequest(r -> completeWithFuture(create(r)))));
    return pathPrefix("responses", () -> concat(create, pathPrefix(PathMatchers.segment(), id -> concat(
        pathEndOrSingleSlash(() -> concat(
            get(() -> extractRequest(r -> completeWithFuture(read(id, r)))),
            delete(() -> extractRequest(r -> completeWithFuture(delete(id, r)))))),
        path("input_items", () -> get(() -> extractRequest(r -> parameterMap(params ->
            completeWithFuture(inputItems(id, r, params))))))))));
  }

  private CompletionStage<HttpResponse> inputItems(String id, HttpRequest request, Map<String, String> params) {
    return guard(InputItemsPage.of(params).list(id, owner(request), store, mapper),
        new RequestTrace(RequestTracing.requestId(request)));
  }

  CompletionStage<HttpResponse> create(HttpRequest request) {
    long started = System.nanoTime();
    RequestTrace trace = new RequestTrace(RequestTracing.requestId(request));
    Caller caller = Caller.of(request);
    String owner = owner(request);
    CompletionStage<HttpResponse> answered = bodies.bytes(request).thenCompose(body -> {
      JsonNode json = parse(body);
      JsonNode model = json == null ? null : json.get("model");
      if (model != null && model.isTextual() && passThrough.serves(model.textValue())) {
        return passThrough.create(request, json, trace, started, owner);
      }
      ResponsesRequest decoded = ResponsesRequest.decode(json, ids);
      return chain.history(decoded.previousResponseId(), owner).thenCompose(history -> {
        ChatCompletionRequest chat = ResponsesToChat.translate(decoded, history);
        Call call = Call.openAi(trace, started, caller, chat, json(chat), ChatCompletions.maxWait(request),
            cachePolicy.enabledFor(caller.cache(), request));
        Turn turn = new Turn(ids.response(), clock.instant().getEpochSecond(), decoded, owner);
        return pipeline.serve(call).thenCompose(answer -> respond(answer, turn, trace));
      });
    });
    return guard(answered, trace);
  }

  /** One response being made: its id, when, what was asked, and whose it is. */
  private record Turn(String id, long createdAt, ResponsesRequest request, String owner) {}

  private CompletionStage<HttpResponse> respond(Answer answer, Turn turn, RequestTrace trace) {
    if (answer instanceof Answer.Streaming stream) {
      Source<ByteString, NotUsed> chat = SseResponse.guarded(stream.events(), stream.settle(), stream.recorded(),
          stream.signals(), openAiStreams, mapper, trace.requestId());
      return CompletableFuture.completedFuture(HttpResponse.create()
          .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), events(chat, turn)))
          .addHeaders(headers.of(answer.served()))
          .addAttribute(RequestTracing.UPSTREAM_NANOS, trace.upstreamNanos()));
    }
    JsonNode completion = parse(((Answer.Complete) answer).body());
    ObjectNode response = ChatToResponse.translate(completion, turn.id(), turn.createdAt(), turn.request(), ids);
    return stored(turn, response).thenApply(done -> HttpResponse.create()
        .withEntity(ContentTypes.APPLICATION_JSON, json(response))
        .addHeaders(headers.of(answer.served()))
        .addAttribute(RequestTracing.UPSTREAM_NANOS, trace.upstreamNanos()));
  }

  /** The chat stream as Responses events; the response is stored before its last event is sent. */
  private Source<ByteString, NotUsed> events(Source<ByteString, NotUsed> chat, Turn turn) {
    return Source.lazySource(() -> {
      ResponseEvents translator = new ResponseEvents(turn.id(), turn.createdAt(), turn.request(), ids);
      return Source.from(translator.start())
          .concat(chat.mapConcat(frame -> translate(frame, translator)))
          .mapAsync(1, event -> event.name().equals("response.completed") || event.name().equals("response.incomplete")
              ? stored(turn, translator.finalResponse()).thenApply(done -> event)
              : CompletableFuture.completedFuture(event))
          .map(this::frame)
          .recover(new PFBuilder<Throwable, ByteString>()
              .match(Throwable.class, failure -> frame(new ResponseEvents.Event("error", errorEvent(failure))))
              .build());
    }).mapMaterializedValue(ignored -> NotUsed.getInstance());
  }

  private List<ResponseEvents.Event> translate(ByteString frame, ResponseEvents translator) throws IOException {
    String text = frame.utf8String();
    String data = text.startsWith("data: ") ? text.substring(6).strip() : null;
    if (data == null || data.isEmpty()) return List.of();
    if (data.equals(OpenAiJson.DONE_SENTINEL)) return translator.finish();
    JsonNode node = mapper.readTree(data);
    if (node.has("error")) {
      JsonNode error = node.get("error");
      String code = error.path("code").isTextual() ? error.path("code").asText() : error.path("type").asText("server_error");
      return translator.fail(code, error.path("message").asText());
    }
    return translator.next(node);
  }

  private ObjectNode errorEvent(Throwable failure) {
    ApiError error = Failures.logged(failure, new RequestTrace("stream"), mapper);
    ObjectNode event = mapper.createObjectNode();
    event.put("type", "error");
    event.put("code", error.body().error().code());
    event.put("message", error.body().error().message());
    event.putNull("param");
    return event;
  }

  private ByteString frame(ResponseEvents.Event event) throws JsonProcessingException {
    return ByteString.fromString("event: " + event.name() + "\ndata: ")
        .concat(ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(event.data()))).concat(EVENT_END);
  }

  private CompletionStage<Done> stored(Turn turn, ObjectNode response) {
    if (!turn.request().store()) return CompletableFuture.completedFuture(Done.getInstance());
    return store.put(new StoredResponse(turn.id(), turn.owner(), turn.createdAt(), turn.request().previousResponseId(),
        turn.request().input().toString(), response.toString()));
  }

  private CompletionStage<HttpResponse> read(String id, HttpRequest request) {
    return guard(store.get(id, owner(request)).thenApply(found -> found
        .map(stored -> HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, stored.response()))
        .orElseThrow(() -> ResponsesRequestException.notFound(id, null))),
        new RequestTrace(RequestTracing.requestId(request)));
  }

  private CompletionStage<HttpResponse> delete(String id, HttpRequest request) {
    return guard(store.delete(id, owner(request)).thenApply(deleted -> {
      if (!deleted) throw ResponsesRequestException.notFound(id, null);
      ObjectNode body = mapper.createObjectNode().put("id", id).put("object", "response").put("deleted", true);
      return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, body.toString());
    }), new RequestTrace(RequestTracing.requestId(request)));
  }

  /** Failures in the OpenAI envelope, a refusal of this API's with its own status and parameter. */
  private CompletionStage<HttpResponse> guard(CompletionStage<HttpResponse> answered, RequestTrace trace) {
    return answered.exceptionally(failure -> Failures.openAi(refusal(failure), trace, mapper));
  }

  static Throwable refusal(Throwable failure) {
    return ApiError.unwrap(failure) instanceof ResponsesRequestException e
        ? ApiError.of(e.status(), ApiError.INVALID_REQUEST, e.code(), e.param(), e.getMessage())
        : failure;
  }

  static String owner(HttpRequest request) {
    return Caller.of(request).keyId().orElse(ANONYMOUS_OWNER);
  }

  private JsonNode parse(ByteString body) {
    try {
      return mapper.readTree(body.toArrayUnsafe());
    } catch (IOException e) {
      throw ApiError.invalidRequest("The request body is not valid JSON.", null, "invalid_body");
    }
  }

  private ByteString json(Object value) {
    try {
      return ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a translated request could not be written", e);
    }
  }
}
