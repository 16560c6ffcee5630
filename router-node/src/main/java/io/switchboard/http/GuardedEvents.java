package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.logging.RequestLog;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.routing.Dispatcher;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;

/**
 * The guarantees of {@link SseResponse#guarded} in one stage per stream: the usage read as events pass,
 * a failure turned into the dialect's final error event, a stream cut short told so, {@code settle} run
 * once with how the stream ended (or when the client left), and the stream's end held until
 * {@code recorded} completes.
 *
 * <p>One stage instead of a map, an error mapping, a recovery, a stateful map, a termination watch and a
 * concatenated wait of three more: every stage of a held stream is kept, with its wiring, for as long as
 * the stream lasts.
 */
final class GuardedEvents extends GraphStage<FlowShape<ByteString, ByteString>> {
  private final Inlet<ByteString> in = Inlet.create("GuardedEvents.in");
  private final Outlet<ByteString> out = Outlet.create("GuardedEvents.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
  private final Consumer<CallOutcome> settle;
  private final CompletionStage<Done> recorded;
  private final UpstreamSignals signals;
  private final SseDialect dialect;
  private final ObjectMapper mapper;
  private final String requestId;
  private final Logger log;

  GuardedEvents(Consumer<CallOutcome> settle, CompletionStage<Done> recorded, UpstreamSignals signals,
      SseDialect dialect, ObjectMapper mapper, String requestId, Logger log) {
    this.settle = settle;
    this.recorded = recorded;
    this.signals = signals;
    this.dialect = dialect;
    this.mapper = mapper;
    this.requestId = requestId;
    this.log = log;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public Attributes initialAttributes() {
    return Attributes.name("guardedEvents");
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new GraphStageLogic(shape) {
      private TokenUsage usage;
      private Throwable failure;
      /** The events ended (completed, or failed and told so), as opposed to the client leaving. */
      private boolean completed;
      /** The dialect's end marker (or an error event, ours or the upstream's) went out. */
      private boolean sawEnd;
      /** The stream ended with the upstream's own error event: a failed call, whatever came before it. */
      private boolean upstreamError;
      private boolean settled;

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            ByteString event = grab(in);
            usage = dialect.usage(usage, event);
            noteEnd(event);
            push(out, event);
          }

          @Override
          public void onUpstreamFinish() {
            completed = true;
            if (sawEnd) ended();
            else emit(out, dialect.errorEvent(dialect.truncated()), () -> ended());
          }

          @Override
          public void onUpstreamFailure(Throwable cause) {
            failure = cause;
            if (ApiError.isUnexpected(cause)) RequestLog.unexpected(log, requestId, "stream", cause);
            ByteString errorEvent = dialect.errorEvent(ApiError.from(cause, mapper));
            noteEnd(errorEvent);
            completed = true;
            emit(out, errorEvent, () -> ended());
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            if (!isClosed(in)) pull(in); // else every event is out, and the end waits for the usage record
          }

          @Override
          public void onDownstreamFinish(Throwable cause) throws Exception {
            settleOnce();
            super.onDownstreamFinish(cause);
          }
        });
      }

      private void noteEnd(ByteString event) {
        if (!dialect.isEnd(event)) return;
        sawEnd = true;
        // The upstream's own error event (the gateway's come with a failure, recorded above).
        if (failure == null && dialect.isError(event)) upstreamError = true;
      }

      /** Every event is out: settle, then end the response once the usage record is durable. */
      private void ended() {
        settleOnce();
        AsyncCallback<Throwable> whenRecorded = createAsyncCallback(error -> {
          if (error == null) completeStage();
          else failStage(error);
        });
        recorded.whenComplete((done, error) -> whenRecorded.invoke(error));
      }

      private void settleOnce() {
        if (settled) return;
        settled = true;
        settle.accept(outcome());
      }

      private CallOutcome outcome() {
        if (failure != null) return Dispatcher.failed(failure);
        if (!completed) return CallOutcome.NOT_SENT;
        if (!sawEnd || upstreamError) return new CallOutcome.Failed(true, false, UpstreamSignals.NONE);
        return new CallOutcome.Succeeded(usage, signals);
      }

      @Override
      public void postStop() {
        settleOnce(); // stopped any other way (the materializer shut down): the permit is still released
      }
    };
  }
}
