package io.switchboard.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.exchange.Answer;
import io.switchboard.keys.Caller;
import io.switchboard.responses.NativeRequest;
import io.switchboard.responses.NativeResponsesCall;
import io.switchboard.responses.NativeResponsesPipeline;
import io.switchboard.responses.ResponseChain;
import io.switchboard.responses.ResponseIds;
import io.switchboard.responses.ResponseStore;
import io.switchboard.routing.RequestTrace;
import java.io.IOException;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * {@code POST /v1/responses} for a model served by upstreams with their own Responses API
 * ({@link NativeResponsesPipeline#serves}): the body goes upstream as the client wrote it, except that
 * the conversation named by {@code previous_response_id} is read from the gateway's {@link ResponseStore}
 * and put into {@code input}, and {@code store: false} is sent, so the conversation's state stays in
 * the cluster ({@link NativeRequest}). The upstream's Response comes back with the gateway's own id
 * (the upstream's means nothing once it stores nothing, and two upstreams could reuse one), the client's
 * {@code previous_response_id} and {@code store}; with {@code store} not false it is stored under the
 * calling key before the client hears it is complete (before the JSON answer, or before the
 * {@code response.completed} / {@code response.incomplete} event). Failures in the OpenAI envelope; a
 * failure mid-stream as an {@code error} event.
 */
final class NativeResponses {
  /** Events whose data carries the whole Response ({@code response}), which gets the gateway's id. */
  private static final Set<String> CARRY_RESPONSE = Set.of("response.created", "response.in_progress",
      "response.queued", "response.completed", "response.incomplete", "response.failed");
  private static final Set<String> STORED = Set.of("response.completed", "response.incomplete");

  private final NativeResponsesPipeline pipeline;
  private final ObjectMapper mapper;
  private final AnswerHeaders headers;
  private final ResponseStore store;
  private final ResponseChain chain;
  private final ResponseIds ids;
  private final Clock clock;
  private final SseDialect dialect;

  NativeResponses(NativeResponsesPipeline pipeline, ObjectMapper mapper, AnswerHeaders headers, ResponseStore store,
      ResponseIds ids, Clock clock) {
    this.pipeline = pipeline;
    this.mapper = mapper;
    this.headers = headers;
    this.store = store;
    this.chain = new ResponseChain(store, mapper);
    this.ids = ids;
    this.clock = clock;
    this.dialect = SseDialect.responses(mapper);
  }

  /** Whether a request for {@code model} is passed through here rather than translated to chat. */
  boolean serves(String model) {
    return pipeline.serves(model);
  }

  CompletionStage<HttpResponse> create(HttpRequest request, JsonNode json, RequestTrace trace, long started,
      String owner) {
    NativeRequest decoded = NativeRequest.decode(json, ids);
    return chain.history(decoded.previousResponseId(), owner).thenCompose(history -> {
      NativeResponsesCall call = new NativeResponsesCall(trace, started, Caller.of(request), decoded.model(),
          decoded.upstreamBody(history), decoded.stream(), ChatCompletions.maxWait(request));
      Turn turn = new Turn(ids.response(), clock.instant().getEpochSecond(), decoded, owner);
      return pipeline.serve(call).thenCompose(answer -> respond(answer, turn, trace));
    });
  }

  /** One response being made: the gateway's id for it, when, what was asked, and whose it is. */
  private record Turn(String id, long createdAt, NativeRequest request, String owner) {}

  private CompletionStage<HttpResponse> respond(Answer answer, Turn turn, RequestTrace trace) {
    if (answer instanceof Answer.Streaming stream) {
      Source<ByteString, NotUsed> events = SseResponse.guarded(stream.events(), stream.settle(), stream.recorded(),
          stream.signals(), dialect, mapper, trace.requestId())
          .mapAsync(1, frame -> restamped(frame, turn))
          .recover(new PFBuilder<Throwable, ByteString>()
              .match(Throwable.class, failure -> ResponsesSse.errorEvent(
                  Failures.logged(failure, trace, mapper), mapper))
              .build());
      return CompletableFuture.completedFuture(HttpResponse.create()
          .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), events))
          .addHeaders(headers.of(answer.served()))
          .addAttribute(RequestTracing.UPSTREAM_NANOS, trace.upstreamNanos()));
    }
    ObjectNode response = turn.request().restamp((ObjectNode) parse(((Answer.Complete) answer).body()), turn.id());
    CompletionStage<Done> kept = response.path("status").asText().equals("failed")
        ? CompletableFuture.completedFuture(Done.getInstance()) : stored(turn, response);
    return kept.thenApply(done -> HttpResponse.create()
        .withEntity(ContentTypes.APPLICATION_JSON, response.toString())
        .addHeaders(headers.of(answer.served()))
        .addAttribute(RequestTracing.UPSTREAM_NANOS, trace.upstreamNanos()));
  }

  /** A frame with the gateway's id in its Response; the Response stored before a final event is sent. */
  private CompletionStage<ByteString> restamped(ByteString frame, Turn turn) {
    String name = ResponsesSse.name(frame, mapper);
    if (!CARRY_RESPONSE.contains(name)) return CompletableFuture.completedFuture(frame);
    JsonNode data = ResponsesSse.data(frame, mapper);
    if (data == null || !data.path("response").isObject()) return CompletableFuture.completedFuture(frame);
    ObjectNode response = turn.request().restamp((ObjectNode) data.get("response"), turn.id());
    ByteString out = ResponsesSse.frame(name, data, mapper);
    return STORED.contains(name) ? stored(turn, response).thenApply(done -> out) : CompletableFuture.completedFuture(out);
  }

  private CompletionStage<Done> stored(Turn turn, ObjectNode response) {
    if (!turn.request().store()) return CompletableFuture.completedFuture(Done.getInstance());
    return store.put(turn.request().toStore(turn.id(), turn.owner(), turn.createdAt(), response));
  }

  private JsonNode parse(ByteString body) {
    try {
      return mapper.readTree(body.toArrayUnsafe());
    } catch (IOException e) {
      // The upstream checked this body as a JSON object before it got here.
      throw new IllegalStateException("an upstream Response that was read once could not be read again", e);
    }
  }
}
