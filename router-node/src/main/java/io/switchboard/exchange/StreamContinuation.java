package io.switchboard.exchange;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.api.anthropic.ErrorEnvelope;
import io.switchboard.api.anthropic.ErrorInfo;
import io.switchboard.api.anthropic.StreamEvent;
import io.switchboard.api.openai.ChatCompletionChunk;
import io.switchboard.api.openai.ChatCompletionRequest;
import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.api.openai.ChatMessage;
import io.switchboard.logging.RequestLog;
import io.switchboard.metrics.Telemetry;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.StreamFault;
import io.switchboard.provider.UpstreamCall;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.provider.anthropic.OpenAiToAnthropicStream;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.Dispatcher;
import io.switchboard.tokens.PromptEstimate;
import io.switchboard.tokens.TokenEstimator;
import io.switchboard.usage.Meter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.Graph;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mid-stream failover ({@code mid-stream-failover = on}): a stream that breaks after its first event
 * reached the client, and before its answer finished, is continued on the model's next deployment, and
 * the client reads one unbroken stream.
 *
 * <p>A break is a typed stream fault ({@link StreamFault}: reset, stall, malformed event), a stream that
 * ends before its finish, or the upstream's own error event. The continuation is dispatched like any call
 * (the deployments after the one that broke, in the dispatcher's order, each with provider admission,
 * breaker and retries, under the request's one deadline; the key's admission is the request's own) and
 * asks for the original messages plus the answer so far as a final assistant message: a prefill
 * Anthropic continues natively, a trailing assistant message an OpenAI-compatible host may or may not
 * continue from. Its events are joined to what the client already has:
 *
 * <ul>
 *   <li>OpenAI chunks: the continuation's role chunk is dropped, its chunks carry the first part's
 *       {@code id} and {@code created}, and the last chunk (the usage chunk when the client asked for it,
 *       else the one with the {@code finish_reason}) carries {@code "switchboard":{"failover":[...]}};
 *   <li>Anthropic events (an Anthropic caller answered by an Anthropic upstream): the continuation's
 *       {@code message_start} is dropped, its first text block continues the block that was open (or
 *       takes the next index), its indices shifted to follow, and its {@code message_delta} carries the
 *       marker. A deployment that answers in OpenAI's dialect continues it too, its chunks translated.
 * </ul>
 *
 * <p>Each call settles on its own: the broken one releases its provider permit as failed and is recorded
 * as failed with what it streamed ({@link Meter.Streaming#failedOver}); the key is charged for both with
 * the call that ends the request. A break that cannot be continued (no deployment left, the continuation
 * refused or failing before its first event, a tool call or a non-text block in the answer so far, more
 * than one choice) ends the stream as it would have without the setting, with the break's typed error.
 */
final class StreamContinuation {
  private static final Logger log = LoggerFactory.getLogger(StreamContinuation.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The wire types' own mapper, for a continuation translated from OpenAI's chunks to Anthropic's events. */
  private static final ObjectMapper WIRE = OpenAiJson.newMapper();
  private static final String UPSTREAM_ERROR_EVENT = "upstream_error_event";

  /** How the pipeline ends a call that ends the request: its telemetry, as for any stream. */
  @FunctionalInterface
  interface Ended {
    void ended(Call call, Dispatcher.Dispatched dispatched, CallOutcome outcome, long firstEventNanos);
  }

  private final Dispatcher dispatcher;
  private final TokenEstimator estimator;
  private final Telemetry telemetry;
  private final Ended ended;

  StreamContinuation(Dispatcher dispatcher, TokenEstimator estimator, Telemetry telemetry, Ended ended) {
    this.dispatcher = dispatcher;
    this.estimator = estimator;
    this.telemetry = telemetry;
    this.ended = ended;
  }

  /** Whether a stream from {@code served} for {@code call} may be continued elsewhere when it breaks. */
  static boolean applies(Call call, Deployment served) {
    Integer n = call.chat().n();
    return served.settings().midStreamFailover() && (n == null || n <= 1);
  }

  /**
   * The answer for {@code first}'s stream in {@code dialect}, continued on the deployments after it in
   * {@code order} when it breaks.
   *
   * @param firstEventNanos how long after it was sent its first event came
   */
  Answer.Streaming stream(Call call, Dispatcher.Dispatched first, UpstreamReply.Streaming streaming, Meter meter,
      Dialect dialect, Answer.Served served, List<Deployment> order, long firstEventNanos) {
    Run run = new Run(call, meter, dialect, order);
    Part part = run.part(first, streaming, firstEventNanos);
    run.current = part;
    return new Answer.Streaming(run.segment(part), dialect, served, streaming.signals(), run::settle, run.recorded);
  }

  private static ByteString anthropicEvent(String name, JsonNode data) throws IOException {
    return ByteString.fromString("event: " + name + "\ndata: " + JSON.writeValueAsString(data) + "\n\n");
  }

  /** One call of a continued stream. */
  private static final class Part {
    final Dispatcher.Dispatched dispatched;
    final UpstreamSignals signals;
    volatile Meter.Streaming metered;
    volatile boolean failedOver;

    Part(Dispatcher.Dispatched dispatched, UpstreamSignals signals) {
      this.dispatched = dispatched;
      this.signals = signals;
    }
  }

  /** The stream broke with the upstream's own error event, which is kept to end the stream with if nothing continues it. */
  private static final class ErrorEvent extends RuntimeException {
    final transient ByteString event;

    ErrorEvent(ByteString event) {
      super("the upstream's own error event", null, false, false);
      this.event = event;
    }
  }

  /** One continued stream's state: what the client has so far, and the call now serving it. */
  private final class Run {
    final Call call;
    final Meter meter;
    final Dialect dialect;
    final List<Deployment> order;
    final CompletableFuture<Done> recorded = new CompletableFuture<>();
    final StringBuilder text = new StringBuilder();
    final List<ObjectNode> failovers = new ArrayList<>();
    volatile Part current;
    /** The current part broke and was released; its continuation is being dispatched. */
    volatile boolean pending;
    volatile CompletionStage<Done> pendingRecorded = CompletableFuture.completedFuture(Done.getInstance());
    volatile boolean settled;
    volatile boolean finished;
    volatile boolean sawEnd;
    /** Something a text prefix cannot carry on (a tool call, a non-text block): no continuation. */
    volatile boolean unsupported;
    // OpenAI: the first part's identity, which the continuation takes on.
    String id;
    JsonNode created;
    // Anthropic: the block left open by a break, blocks so far, and how the current part's indices map.
    int openIndex = -1;
    int blocks;
    int offset;
    boolean mergeFirst;
    JsonNode inputUsage;

    Run(Call call, Meter meter, Dialect dialect, List<Deployment> order) {
      this.call = call;
      this.meter = meter;
      this.dialect = dialect;
      this.order = order;
    }

    Part part(Dispatcher.Dispatched dispatched, UpstreamReply.Streaming streaming, long firstEventNanos) {
      Part part = new Part(dispatched, streaming.signals());
      Consumer<CallOutcome> release = outcome -> {
        dispatched.permit().release(outcome);
        if (part.failedOver) {
          telemetry.callEnded(dispatched.deployment(), outcome, System.nanoTime() - dispatched.sentNanos(),
              firstEventNanos);
        } else {
          ended.ended(call, dispatched, outcome, firstEventNanos);
        }
      };
      part.metered = meter.streaming(dispatched.deployment(), streaming.events(), release);
      return part;
    }

    /** How the stream ended, from its sender: settles the call now serving it, or the key alone. */
    void settle(CallOutcome outcome) {
      Part part;
      boolean carriedOnly;
      synchronized (this) {
        if (settled) return;
        settled = true;
        part = current;
        carriedOnly = pending;
      }
      if (carriedOnly) {
        // The last call was released when it broke, and nothing continued it.
        meter.settleCarried();
        telemetry.requestEnded(call.model(), part.dispatched.deployment(), null,
            System.nanoTime() - call.startedNanos(), outcome instanceof CallOutcome.NotSent ? "client_closed"
                : "stream_failed");
        pendingRecorded.whenComplete((done, error) -> recorded.complete(Done.getInstance()));
        return;
      }
      // A continuation's success carries what its own upstream said about its limits.
      CallOutcome own = outcome instanceof CallOutcome.Succeeded s && !failovers.isEmpty()
          ? new CallOutcome.Succeeded(s.usage(), part.signals) : outcome;
      part.metered.settle().accept(own);
      part.metered.recorded().whenComplete((done, error) -> recorded.complete(Done.getInstance()));
    }

    /** {@code part}'s events as the client gets them, continued elsewhere when they break. */
    Source<ByteString, NotUsed> segment(Part part) {
      boolean continuation = !failovers.isEmpty();
      // The end is caught with a marker compared by identity (a source concatenated may be pulled, and
      // fail, before the events before it are out).
      ByteString end = ByteString.fromString("end");
      return part.metered.events()
          .concat(Source.single(end))
          .mapConcat(event -> {
            if (event != end) {
              return dialect == Dialect.ANTHROPIC ? anthropic(event, continuation) : openAi(event, continuation);
            }
            if (finished || sawEnd) return List.<ByteString>of();
            Deployment d = part.dispatched.deployment();
            throw UpstreamException.inStream(StreamFault.RESET, d.provider().id(),
                "The upstream stream of " + d.label() + " ended before its answer finished.", null);
          })
          .recoverWithRetries(1, new PFBuilder<Throwable, Graph<SourceShape<ByteString>, NotUsed>>()
              .match(Throwable.class, this::continuable, failure -> continued(part, failure))
              // The upstream's own error event, when nothing continues the stream, ends it as it would have.
              .match(ErrorEvent.class, failure -> broken(failure))
              .build());
    }

    private boolean continuable(Throwable failure) {
      if (finished || unsupported || settled) return false;
      return failure instanceof ErrorEvent
          || failure instanceof UpstreamException e && e.streamFault().isPresent();
    }

    private String reason(Throwable failure) {
      if (failure instanceof UpstreamException e && e.streamFault().isPresent()) return e.streamFault().get().code();
      return UPSTREAM_ERROR_EVENT;
    }

    /** How the broken call settles at its provider. */
    private CallOutcome brokenOutcome(Throwable failure) {
      return failure instanceof UpstreamException ? Dispatcher.failed(failure)
          : new CallOutcome.Failed(true, false, UpstreamSignals.NONE);
    }

    /** The stream's end when nothing continues it: the break itself, as without the setting. */
    private Source<ByteString, NotUsed> broken(Throwable failure) {
      return failure instanceof ErrorEvent event ? Source.single(event.event) : Source.failed(failure);
    }

    private Source<ByteString, NotUsed> continued(Part part, Throwable failure) {
      Deployment from = part.dispatched.deployment();
      List<Deployment> rest = rest(from);
      if (rest.isEmpty()) return broken(failure);
      String reason = reason(failure);
      int atChars;
      String prefix;
      synchronized (this) {
        if (settled) return broken(failure);
        atChars = text.length();
        prefix = text.toString();
        part.failedOver = true;
        pending = true;
      }
      pendingRecorded = part.metered.failedOver().apply(brokenOutcome(failure), prefix);
      RequestLog.with(call.requestId(), () -> log.info(
          "stream from {} broke after {} characters ({}); continuing it on {}", from.label(), atChars, reason,
          rest.get(0).label()));
      ContinuationWork work = new ContinuationWork(call, dialect, prefix);
      Dispatcher.Request request = Dispatcher.Request.of(work, new PromptEstimate(estimator, work.chat()), rest,
          call.maxWait(), call.trace(), meter);
      CompletionStage<Source<ByteString, NotUsed>> next = dispatcher.dispatch(request).handle((dispatched, error) -> {
        if (error != null) {
          Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
          RequestLog.with(call.requestId(), () -> log.info("the stream from {} could not be continued: {}",
              from.label(), cause.getMessage()));
          return broken(failure);
        }
        UpstreamReply.Streaming streaming = (UpstreamReply.Streaming) dispatched.reply();
        Part next2 = part(dispatched, streaming, System.nanoTime() - dispatched.sentNanos());
        synchronized (this) {
          if (settled) {
            // The client left while the continuation was sought.
            next2.metered.settle().accept(CallOutcome.NOT_SENT);
            return Source.<ByteString>empty();
          }
          ObjectNode marker = JSON.createObjectNode();
          marker.put("from", from.label());
          marker.put("to", dispatched.deployment().label());
          marker.put("reason", reason);
          marker.put("at_chars", atChars);
          failovers.add(marker);
          mergeFirst = openIndex >= 0;
          offset = mergeFirst ? openIndex : blocks;
          current = next2;
          pending = false;
        }
        return segment(next2);
      });
      return Source.completionStageSource(next).mapMaterializedValue(ignored -> NotUsed.getInstance());
    }

    /** The deployments after {@code from} in the dispatcher's order. */
    private List<Deployment> rest(Deployment from) {
      int at = order.indexOf(from);
      return at < 0 ? List.of() : List.copyOf(order.subList(at + 1, order.size()));
    }

    // ---- OpenAI chunks ---------------------------------------------------------------------------

    private List<ByteString> openAi(ByteString event, boolean continuation) throws IOException {
      String text = event.utf8String();
      if (text.startsWith("data: [DONE]")) {
        sawEnd = true;
        return List.of(event);
      }
      if (text.startsWith("data: {\"error\"")) {
        if (!finished) throw new ErrorEvent(event);
        return List.of(event);
      }
      if (!text.startsWith("data: {")) return List.of(event);
      JsonNode parsed = JSON.readTree(text.substring(6));
      if (!(parsed instanceof ObjectNode chunk)) return List.of(event);
      if (id == null && chunk.hasNonNull("id")) {
        id = chunk.path("id").asText();
        created = chunk.get("created");
      }
      boolean hasUsage = chunk.path("usage").isObject();
      boolean finishes = false;
      boolean content = false;
      for (JsonNode choice : chunk.path("choices")) {
        JsonNode delta = choice.path("delta");
        if (delta.path("content").isTextual() && !delta.path("content").asText().isEmpty()) {
          synchronized (this) {
            this.text.append(delta.path("content").asText());
          }
          content = true;
        }
        if (delta.has("tool_calls") || delta.path("refusal").isTextual()) unsupported = true;
        if (choice.hasNonNull("finish_reason")) finishes = true;
      }
      if (finishes) finished = true;
      if (!continuation) return List.of(event);
      // The continuation's opening role chunk: the client has had one already.
      if (!content && !finishes && !hasUsage && chunk.path("choices").size() > 0
          && onlyRole(chunk.path("choices"))) {
        return List.of();
      }
      for (JsonNode choice : chunk.path("choices")) {
        if (choice.path("delta") instanceof ObjectNode delta) delta.remove("role");
      }
      if (id != null) chunk.put("id", id);
      if (created != null) chunk.set("created", created);
      boolean last = call.chat().includeUsage() ? hasUsage : finishes;
      if (last) chunk.set("switchboard", marker());
      return List.of(ByteString.fromString("data: " + JSON.writeValueAsString(chunk) + "\n\n"));
    }

    private static boolean onlyRole(JsonNode choices) {
      for (JsonNode choice : choices) {
        JsonNode delta = choice.path("delta");
        var names = delta.fieldNames();
        while (names.hasNext()) {
          String name = names.next();
          if (name.equals("role")) continue;
          if (name.equals("content") && delta.path("content").asText("").isEmpty()) continue;
          if (delta.get(name).isNull()) continue;
          return false;
        }
      }
      return true;
    }

    private ObjectNode marker() {
      ObjectNode marker = JSON.createObjectNode();
      ArrayNode list = marker.putArray("failover");
      synchronized (this) {
        failovers.forEach(list::add);
      }
      return marker;
    }

    // ---- Anthropic events ------------------------------------------------------------------------

    private List<ByteString> anthropic(ByteString event, boolean continuation) throws IOException {
      String text = event.utf8String();
      String name = text.startsWith("event: ") ? text.substring(7, lineEnd(text)).trim() : "";
      if (name.equals("message_stop")) {
        sawEnd = true;
        return List.of(event);
      }
      if (name.equals("error")) {
        if (!finished) throw new ErrorEvent(event);
        return List.of(event);
      }
      int dataAt = text.indexOf("data: ");
      if (dataAt < 0 || name.isEmpty() || name.equals("ping")) return List.of(event);
      JsonNode parsed = JSON.readTree(text.substring(dataAt + 6).trim());
      if (!(parsed instanceof ObjectNode data)) return List.of(event);
      switch (name) {
        case "message_start" -> {
          if (continuation) {
            inputUsage = data.path("message").path("usage");
            return List.of();
          }
          return List.of(event);
        }
        case "content_block_start" -> {
          int index = data.path("index").asInt();
          if (!"text".equals(data.path("content_block").path("type").asText())) unsupported = true;
          if (continuation && mergeFirst && index == 0) return List.of();
          int mapped = continuation ? index + offset : index;
          openIndex = mapped;
          blocks = Math.max(blocks, mapped + 1);
          if (!continuation) return List.of(event);
          data.put("index", mapped);
          return List.of(anthropicEvent(name, data));
        }
        case "content_block_delta" -> {
          JsonNode delta = data.path("delta");
          if ("text_delta".equals(delta.path("type").asText())) {
            synchronized (this) {
              this.text.append(delta.path("text").asText());
            }
          } else {
            unsupported = true;
          }
          if (!continuation) return List.of(event);
          data.put("index", data.path("index").asInt() + offset);
          return List.of(anthropicEvent(name, data));
        }
        case "content_block_stop" -> {
          openIndex = -1;
          if (!continuation) return List.of(event);
          data.put("index", data.path("index").asInt() + offset);
          return List.of(anthropicEvent(name, data));
        }
        case "message_delta" -> {
          if (data.path("delta").hasNonNull("stop_reason")) finished = true;
          if (!continuation) return List.of(event);
          // The continuation's own prompt, as its message_start (dropped) told it, is what its usage is.
          if (data.path("usage") instanceof ObjectNode usage && inputUsage != null && inputUsage.isObject()) {
            for (String field : List.of("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")) {
              if (inputUsage.has(field) && !usage.has(field)) usage.set(field, inputUsage.get(field));
            }
          }
          data.set("switchboard", marker());
          return List.of(anthropicEvent(name, data));
        }
        default -> {
          return List.of(event);
        }
      }
    }

    private static int lineEnd(String text) {
      int end = text.indexOf('\n');
      return end < 0 ? text.length() : end;
    }

  }

  /**
   * The continuation's call: the original messages plus the answer so far as a final assistant message,
   * to each deployment in the dialect the client's stream is in.
   */
  private static final class ContinuationWork implements Dispatcher.Work {
    private final Call call;
    private final Dialect dialect;
    private final String prefix;
    private final ChatCompletionRequest chat;

    ContinuationWork(Call call, Dialect dialect, String prefix) {
      this.call = call;
      this.dialect = dialect;
      this.prefix = prefix;
      this.chat = withPrefix(call.chat(), prefix);
    }

    ChatCompletionRequest chat() {
      return chat;
    }

    @Override
    public int outputReservation(Deployment deployment) {
      return Dispatcher.outputReservation(chat, deployment);
    }

    @Override
    public boolean streams() {
      return true;
    }

    @Override
    public CompletionStage<UpstreamReply> send(Deployment d) {
      boolean anthropic = d.provider().upstream().passesAnthropicThrough();
      // Anthropic refuses a final assistant message that ends in white space.
      String own = anthropic ? prefix.stripTrailing() : prefix;
      if (dialect == Dialect.ANTHROPIC && anthropic) {
        return d.provider().upstream().send(new UpstreamCall(chat, null, d.upstreamModel(),
            d.settings().maxOutputTokens(), anthropicBody(call.anthropicBody(), own)));
      }
      ChatCompletionRequest sent = own.equals(prefix) ? chat : withPrefix(call.chat(), own);
      CompletionStage<UpstreamReply> reply = d.provider().upstream().send(new UpstreamCall(sent, null,
          d.upstreamModel(), d.settings().maxOutputTokens(), null));
      if (dialect == Dialect.OPENAI) return reply;
      // An Anthropic stream continued by an upstream that answers in OpenAI's dialect: its chunks translated.
      return reply.thenApply(answer -> answer instanceof UpstreamReply.Streaming streaming
          ? new UpstreamReply.Streaming(anthropicEvents(streaming.events()), streaming.signals(), streaming.requestId())
          : answer);
    }

    /** OpenAI chunks as Anthropic's events, one translator per materialization. */
    private Source<ByteString, NotUsed> anthropicEvents(Source<ByteString, NotUsed> chunks) {
      return Source.lazySource(() -> {
        OpenAiToAnthropicStream translator = new OpenAiToAnthropicStream(call.model());
        return chunks.mapConcat(frame -> translated(frame.utf8String(), translator));
      }).mapMaterializedValue(ignored -> NotUsed.getInstance());
    }

    private static List<ByteString> translated(String frame, OpenAiToAnthropicStream translator) throws IOException {
      String data = frame.startsWith("data: ") ? frame.substring(6).strip() : null;
      if (data == null || data.isEmpty()) return List.of();
      List<StreamEvent> events;
      if (data.equals(OpenAiJson.DONE_SENTINEL)) {
        events = translator.finish();
      } else {
        JsonNode node = WIRE.readTree(data);
        if (node.has("error")) {
          return List.of(anthropicEvent("error", WIRE.valueToTree(ErrorEnvelope.of(ErrorInfo.API,
              node.path("error").path("message").asText()))));
        }
        events = translator.next(WIRE.treeToValue(node, ChatCompletionChunk.class));
      }
      List<ByteString> out = new ArrayList<>(events.size());
      for (StreamEvent event : events) out.add(anthropicEvent(event.eventName(), WIRE.valueToTree(event)));
      return out;
    }

    private static ChatCompletionRequest withPrefix(ChatCompletionRequest chat, String prefix) {
      if (prefix.isEmpty()) return chat;
      List<ChatMessage> messages = new ArrayList<>(chat.messages());
      messages.add(ChatMessage.of("assistant", prefix));
      return new ChatCompletionRequest(chat.model(), messages, chat.stream(), chat.streamOptions(), chat.maxTokens(),
          chat.maxCompletionTokens(), chat.temperature(), chat.topP(), chat.n(), chat.stop(), chat.seed(), chat.user(),
          chat.extra());
    }

    /** The client's Messages request with the answer so far as its last assistant turn (a prefill). */
    private static ByteString anthropicBody(ByteString body, String prefix) {
      if (prefix.isEmpty()) return body;
      try {
        ObjectNode request = (ObjectNode) JSON.readTree(body.toArrayUnsafe());
        ArrayNode messages = (ArrayNode) request.get("messages");
        JsonNode last = messages.size() > 0 ? messages.get(messages.size() - 1) : null;
        if (last instanceof ObjectNode turn && "assistant".equals(turn.path("role").asText())) {
          // The client's own prefill: the answer so far continues it.
          JsonNode content = turn.get("content");
          if (content != null && content.isTextual()) {
            turn.put("content", content.asText() + prefix);
          } else if (content instanceof ArrayNode blocks) {
            blocks.addObject().put("type", "text").put("text", prefix);
          }
        } else {
          messages.addObject().put("role", "assistant").put("content", prefix);
        }
        return ByteString.fromArrayUnsafe(JSON.writeValueAsBytes(request));
      } catch (IOException | ClassCastException e) {
        throw new IllegalStateException("the client's Messages request could not be read again", e);
      }
    }
  }
}
