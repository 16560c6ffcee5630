package io.switchboard.logging;

import org.slf4j.MDC;

/**
 * Request-scoped log lines. A request's work hops between threads (asks, HTTP callbacks, streams), so a
 * thread-bound MDC set once at the start would be wrong on the next thread; instead each log line that
 * belongs to a request is written inside {@link #with}, which puts the request id in the MDC under
 * {@value #MDC_KEY} for that line only. The text log pattern prints it in brackets; the JSON encoder
 * writes it in {@code mdc}.
 *
 * <pre>{@code
 * RequestLog.with(requestId, () -> log.warn("upstream failure answered {}", status));
 * }</pre>
 */
public final class RequestLog {
  /** The MDC key of the request id. */
  public static final String MDC_KEY = "request_id";

  private RequestLog() {}

  public static void with(String requestId, Runnable logLine) {
    if (requestId == null || requestId.isEmpty()) {
      logLine.run();
      return;
    }
    String before = MDC.get(MDC_KEY);
    MDC.put(MDC_KEY, requestId);
    try {
      logLine.run();
    } finally {
      if (before == null) MDC.remove(MDC_KEY);
      else MDC.put(MDC_KEY, before);
    }
  }
}
