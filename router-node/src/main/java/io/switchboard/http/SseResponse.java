package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.logging.RequestLog;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.routing.Dispatcher;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A streaming chat completion as the client receives it: server-sent events passed through one by
 * one, with the guarantees a client needs to never hang or misread the end. Told here for OpenAI's
 * dialect; an Anthropic stream passed through gets the same guarantees in its own terms
 * ({@link SseDialect}).
 *
 * <ul>
 *   <li>A failure after the first byte becomes a final {@code data: {"error": ...}} event in the OpenAI
 *       envelope, then the stream closes (the status line has already been sent).
 *   <li>A stream that ends without {@code data: [DONE]} gets an error event saying it was cut short.
 *   <li>When the stream ends, fails, or the client goes away, {@code settle} runs once with how it ended
 *       (with the usage chunk's counts, when the upstream sent one): the provider permit is released and,
 *       through cancellation, the upstream call is stopped. A client that goes away is settled as
 *       {@link CallOutcome.NotSent}: its reservation is refunded in full.
 *   <li>The response ends only once the usage record that settlement made is durable, in {@code
 *       committed} durability: a client that saw the whole stream is in the ledger.
 * </ul>
 */
final class SseResponse {
  private static final Logger log = LoggerFactory.getLogger(SseResponse.class);

  private SseResponse() {}

  /** A stream in {@code dialect}: where its usage is, what ends it, how a failure is told. */
  static HttpResponse of(Source<ByteString, NotUsed> events, Consumer<CallOutcome> settle,
      CompletionStage<Done> recorded, UpstreamSignals signals, List<HttpHeader> headers, SseDialect dialect,
      ObjectMapper mapper, String requestId) {
    return HttpResponse.create()
        .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(),
            guarded(events, settle, recorded, signals, dialect, mapper, requestId)))
        .addHeaders(headers);
  }

  /**
   * {@code events} with the guarantees above, still one event per element, for a caller that translates
   * them. A failure that is a bug, not an upstream's, is logged under {@code requestId}, as the error
   * event promises. The stream completes (its last byte) only once {@code recorded} has: its usage record
   * is durable then, in {@code committed} durability.
   */
  static Source<ByteString, NotUsed> guarded(Source<ByteString, NotUsed> events, Consumer<CallOutcome> settle,
      CompletionStage<Done> recorded, UpstreamSignals signals, SseDialect dialect, ObjectMapper mapper,
      String requestId) {
    StreamEnd end = new StreamEnd();
    return events
        .map(event -> {
          end.usage = dialect.usage(end.usage, event);
          return event;
        })
        .mapError(Throwable.class, failure -> {
          end.failure = failure;
          if (ApiError.isUnexpected(failure)) RequestLog.unexpected(log, requestId, "stream", failure);
          return failure;
        })
        .recover(new PFBuilder<Throwable, ByteString>()
            .match(Throwable.class, failure -> dialect.errorEvent(ApiError.from(failure, mapper)))
            .build())
        .statefulMap(
            () -> new boolean[1],
            (ended, event) -> {
              if (dialect.isEnd(event)) {
                ended[0] = true;
                // The upstream's own error event (the gateway's come with a failure, recorded above).
                if (end.failure == null && dialect.isError(event)) end.upstreamError = true;
              }
              return Pair.create(ended, event);
            },
            ended -> {
              end.completed = true;
              end.sawEnd = ended[0];
              return ended[0] ? Optional.empty() : Optional.of(dialect.errorEvent(dialect.truncated()));
            })
        .watchTermination((notUsed, done) -> {
          done.whenComplete((ok, error) -> settle.accept(end.outcome(signals)));
          return NotUsed.getInstance();
        })
        // Settled above when the events end; the response's end waits for that record.
        .concat(Source.completionStage(recorded).filter(done -> false).map(done -> ByteString.emptyByteString()));
  }

  /** How a stream ended, gathered as it passes: what settles the provider permit. */
  private static final class StreamEnd {
    volatile TokenUsage usage;
    volatile Throwable failure;
    volatile boolean completed;
    volatile boolean sawEnd;
    /** The stream ended with the upstream's own error event: a failed call, whatever came before it. */
    volatile boolean upstreamError;

    CallOutcome outcome(UpstreamSignals signals) {
      if (failure != null) return Dispatcher.failed(failure);
      if (!completed) return CallOutcome.NOT_SENT;
      if (!sawEnd || upstreamError) return new CallOutcome.Failed(true, false, UpstreamSignals.NONE);
      return new CallOutcome.Succeeded(usage, signals);
    }
  }
}
