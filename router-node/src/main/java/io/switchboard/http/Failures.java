package io.switchboard.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.logging.RequestLog;
import io.switchboard.provider.UpstreamException;
import io.switchboard.routing.Dispatcher;
import io.switchboard.routing.RequestTrace;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A failed call, told once: logged under its request id (an upstream's failure as a warning, a
 * failure of the gateway's own as an error with its stack; a refusal of the client's request not at
 * all) and written in the caller's envelope.
 */
final class Failures {
  private static final Logger log = LoggerFactory.getLogger(Failures.class);

  private Failures() {}

  /** The failure as an OpenAI client reads it. */
  static HttpResponse openAi(Throwable failure, RequestTrace trace, ObjectMapper mapper) {
    return logged(failure, trace, mapper).toResponse(mapper)
        .addAttribute(RequestTracing.UPSTREAM_NANOS, trace.upstreamNanos());
  }

  /** Maps and logs {@code failure}; the caller writes it in its dialect. */
  static ApiError logged(Throwable failure, RequestTrace trace, ObjectMapper mapper) {
    ApiError error = ApiError.from(failure, mapper);
    Throwable cause = ApiError.unwrap(failure);
    RequestLog.with(trace.requestId(), () -> {
      if (cause instanceof UpstreamException || cause instanceof Dispatcher.ContextTooLongException) {
        log.warn("upstream failure answered {}: {}", error.status(), cause.getMessage());
      }
    });
    if (ApiError.isUnexpected(cause)) RequestLog.unexpected(log, trace.requestId(), "chat completion", cause);
    return error;
  }
}
