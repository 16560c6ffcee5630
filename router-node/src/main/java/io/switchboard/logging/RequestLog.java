package io.switchboard.logging;

import java.util.Set;
import org.slf4j.Logger;
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
 *
 * <p>A bug (a failure the gateway has no answer for, told to the client as 500 {@code internal_error})
 * is logged by {@link #unexpected}: with the request id, so the client's report finds it, and with its
 * stack trace but without exception messages, which may quote the request.
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

  /**
   * Exceptions whose messages the JVM writes from the code alone ("Cannot invoke ... because
   * "part" is null", "Index 3 out of bounds for length 2"): kept, they say where the bug is. Any
   * other message may quote request content (a JSON value, a header), so it is withheld.
   */
  private static final Set<Class<? extends Throwable>> CODE_ONLY_MESSAGES = Set.of(NullPointerException.class,
      ClassCastException.class, IndexOutOfBoundsException.class, ArrayIndexOutOfBoundsException.class,
      StringIndexOutOfBoundsException.class, ArithmeticException.class, NegativeArraySizeException.class);

  /** Logs {@code failure} as a bug met while serving {@code requestId}: at ERROR, with its trace. */
  public static void unexpected(Logger log, String requestId, String what, Throwable failure) {
    with(requestId, () -> log.error("{} failed unexpectedly (a bug: the client was answered 500 internal_error)", what,
        withheld(failure)));
  }

  /** {@code failure} and its causes with their stack traces, and no message but the JVM's own. */
  static Throwable withheld(Throwable failure) {
    if (failure == null) return null;
    Throwable cause = failure.getCause() == failure ? null : withheld(failure.getCause());
    String message = failure.getClass().getName()
        + (CODE_ONLY_MESSAGES.contains(failure.getClass()) && failure.getMessage() != null
            ? ": " + failure.getMessage()
            : failure.getMessage() == null ? "" : " (message withheld: it may quote the request)");
    WithheldFailure copy = new WithheldFailure(message, cause);
    copy.setStackTrace(failure.getStackTrace());
    return copy;
  }

  /** Stands in a log line for a failure whose message was withheld; its own message names the original type. */
  static final class WithheldFailure extends RuntimeException {
    WithheldFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
