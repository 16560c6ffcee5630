package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.UpstreamSignals;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
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
    return events.via(new GuardedEvents(settle, recorded, signals, dialect, mapper, requestId, log));
  }
}
