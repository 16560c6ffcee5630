package io.switchboard.exchange;

import io.switchboard.logging.RequestLog;
import io.switchboard.metrics.Telemetry;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.StreamFault;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.routing.Deployment;
import io.switchboard.routing.Dispatcher;
import io.switchboard.tokens.PromptEstimate;
import io.switchboard.tokens.TokenEstimator;
import io.switchboard.usage.Meter;
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
 * asks for the original messages plus the answer so far as a final assistant message
 * ({@link ContinuationCall}). Its events are joined to what the client already has ({@link StreamJoin}):
 * one role chunk or {@code message_start}, one id, indices that continue, one end marker, and a
 * {@code switchboard.failover} marker at the end saying what happened.
 *
 * <p>Each call settles on its own: the broken one releases its provider permit as failed and is recorded
 * as failed with what it streamed ({@link Meter.Streaming#failedOver}); the key is charged for both with
 * the call that ends the request. A break that cannot be continued (no deployment left, the continuation
 * refused or failing before its first event, a tool call or a non-text block in the answer so far, more
 * than one choice) ends the stream as it would have without the setting, with the break's typed error.
 */
final class StreamContinuation {
  private static final Logger log = LoggerFactory.getLogger(StreamContinuation.class);
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
    Part part = run.part(first, streaming, firstEventNanos, false);
    run.current = part;
    return new Answer.Streaming(run.segment(part), dialect, served, streaming.signals(), run::settle, run.recorded);
  }

  /** One call of a continued stream. */
  private static final class Part {
    final Dispatcher.Dispatched dispatched;
    final UpstreamSignals signals;
    /** Whether its events continue another part's (rewritten to join them) rather than begin the stream. */
    final boolean continuation;
    volatile Meter.Streaming metered;
    volatile boolean failedOver;

    Part(Dispatcher.Dispatched dispatched, UpstreamSignals signals, boolean continuation) {
      this.dispatched = dispatched;
      this.signals = signals;
      this.continuation = continuation;
    }
  }

  /** One continued stream: the call now serving it, and how it ends. */
  private final class Run {
    final Call call;
    final Meter meter;
    final Dialect dialect;
    final List<Deployment> order;
    final StreamJoin join;
    final CompletableFuture<Done> recorded = new CompletableFuture<>();
    volatile Part current;
    /** The current part broke and was released; its continuation is being dispatched. */
    volatile boolean pending;
    volatile CompletionStage<Done> pendingRecorded = CompletableFuture.completedFuture(Done.getInstance());
    volatile boolean settled;

    Run(Call call, Meter meter, Dialect dialect, List<Deployment> order) {
      this.call = call;
      this.meter = meter;
      this.dialect = dialect;
      this.order = order;
      this.join = new StreamJoin(dialect, call.chat().includeUsage());
    }

    Part part(Dispatcher.Dispatched dispatched, UpstreamReply.Streaming streaming, long firstEventNanos,
        boolean continuation) {
      Part part = new Part(dispatched, streaming.signals(), continuation);
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
      CallOutcome own = outcome instanceof CallOutcome.Succeeded s && part.continuation
          ? new CallOutcome.Succeeded(s.usage(), part.signals) : outcome;
      part.metered.settle().accept(own);
      part.metered.recorded().whenComplete((done, error) -> recorded.complete(Done.getInstance()));
    }

    /** {@code part}'s events as the client gets them, continued elsewhere when they break. */
    Source<ByteString, NotUsed> segment(Part part) {
      // The end is caught with a marker compared by identity (a source concatenated may be pulled, and
      // fail, before the events before it are out).
      ByteString end = ByteString.fromString("end");
      return part.metered.events()
          .concat(Source.single(end))
          .mapConcat(event -> {
            if (event != end) return join.pass(event, part.continuation);
            if (join.whole()) return List.<ByteString>of();
            Deployment d = part.dispatched.deployment();
            throw UpstreamException.inStream(StreamFault.RESET, d.provider().id(),
                "The upstream stream of " + d.label() + " ended before its answer finished.", null);
          })
          .recoverWithRetries(1, new PFBuilder<Throwable, Graph<SourceShape<ByteString>, NotUsed>>()
              .match(Throwable.class, this::continuable, failure -> continued(part, failure))
              // The upstream's own error event, when nothing continues the stream, ends it as it would have.
              .match(StreamJoin.ErrorEvent.class, failure -> broken(failure))
              .build());
    }

    private boolean continuable(Throwable failure) {
      if (settled || !join.continuable()) return false;
      return failure instanceof StreamJoin.ErrorEvent
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
      return failure instanceof StreamJoin.ErrorEvent event ? Source.single(event.event) : Source.failed(failure);
    }

    private Source<ByteString, NotUsed> continued(Part part, Throwable failure) {
      Deployment from = part.dispatched.deployment();
      List<Deployment> rest = rest(from);
      if (rest.isEmpty()) return broken(failure);
      String reason = reason(failure);
      String prefix = join.text();
      synchronized (this) {
        if (settled) return broken(failure);
        part.failedOver = true;
        pending = true;
      }
      pendingRecorded = part.metered.failedOver().apply(brokenOutcome(failure), prefix);
      RequestLog.with(call.requestId(), () -> log.info(
          "stream from {} broke after {} characters ({}); continuing it on {}", from.label(), prefix.length(), reason,
          rest.get(0).label()));
      // The answer so far counts against the client's output limit, in the tokens of the model that wrote it.
      ContinuationCall work = new ContinuationCall(call, dialect, prefix,
          estimator.textTokens(prefix, from.upstreamModel()));
      Dispatcher.Request request = Dispatcher.Request.of(work, new PromptEstimate(estimator, work.chat()), rest,
          call.maxWait(), call.trace(), meter);
      CompletionStage<Source<ByteString, NotUsed>> next = dispatcher.dispatch(request).handle((dispatched, error) -> {
        if (error != null) {
          Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
          RequestLog.with(call.requestId(), () -> log.info("the stream from {} could not be continued: {}",
              from.label(), cause.getMessage()));
          return broken(failure);
        }
        Part continuation = part(dispatched, (UpstreamReply.Streaming) dispatched.reply(),
            System.nanoTime() - dispatched.sentNanos(), true);
        synchronized (this) {
          if (settled) {
            // The client left while the continuation was sought.
            continuation.metered.settle().accept(CallOutcome.NOT_SENT);
            return Source.<ByteString>empty();
          }
          join.continuing(from.label(), dispatched.deployment().label(), reason, prefix.length());
          current = continuation;
          pending = false;
        }
        return segment(continuation);
      });
      return Source.completionStageSource(next).mapMaterializedValue(ignored -> NotUsed.getInstance());
    }

    /** The deployments after {@code from} in the dispatcher's order. */
    private List<Deployment> rest(Deployment from) {
      int at = order.indexOf(from);
      return at < 0 ? List.of() : List.copyOf(order.subList(at + 1, order.size()));
    }
  }
}
