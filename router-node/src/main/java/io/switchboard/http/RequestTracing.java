package io.switchboard.http;

import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.AttributeKey;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Wraps every route so that every response, errors and streams included, carries
 * <ul>
 *   <li>{@value #REQUEST_ID}: the client's own when it sent a sane one (1 to {@value #MAX_ID_LENGTH}
 *       printable ASCII characters, no spaces), else a new one. Inner routes see the same id on the
 *       request, so their log lines and upstream calls can name it.
 *   <li>{@value #OVERHEAD}: milliseconds (three decimals) the gateway spent on the request before the
 *       response headers went out, minus the time upstreams took to answer ({@link #UPSTREAM_NANOS},
 *       set by the chat path: each attempt's time to response headers, or to a stream's first event).
 *       It includes reading the client's body, admission waits and retry backoff: time the gateway, not
 *       the upstream, made the client wait. For a stream it ends when the stream starts.
 * </ul>
 */
final class RequestTracing extends AllDirectives {
  static final String REQUEST_ID = "x-request-id";
  static final String OVERHEAD = "x-switchboard-overhead-ms";
  static final int MAX_ID_LENGTH = 128;

  /** Response attribute: nanoseconds spent waiting for upstreams; never rendered. */
  static final AttributeKey<Long> UPSTREAM_NANOS = AttributeKey.create("switchboard-upstream-nanos", Long.class);

  Route wrap(Supplier<Route> inner) {
    return extractRequest(request -> {
      long started = System.nanoTime();
      String id = sane(request.getHeader(REQUEST_ID).map(HttpHeader::value)).orElseGet(RequestTracing::newId);
      return mapRequest(r -> r.removeHeader(REQUEST_ID).addHeader(RawHeader.create(REQUEST_ID, id)),
          () -> mapResponse(response -> decorate(response, id, started), inner));
    });
  }

  /** The request id the tracing directive settled on; empty outside it (direct calls in tests). */
  static String requestId(HttpRequest request) {
    return request.getHeader(REQUEST_ID).map(HttpHeader::value).orElse("");
  }

  private static HttpResponse decorate(HttpResponse response, String id, long started) {
    long total = System.nanoTime() - started;
    long upstream = response.getAttribute(UPSTREAM_NANOS).orElse(0L);
    long overhead = Math.max(0, total - upstream);
    return response.removeAttribute(UPSTREAM_NANOS)
        .removeHeader(REQUEST_ID).removeHeader(OVERHEAD)
        .addHeader(RawHeader.create(REQUEST_ID, id))
        .addHeader(RawHeader.create(OVERHEAD, millis(overhead)));
  }

  /**
   * {@code nanos} as milliseconds with three decimals, rounded half up ({@code 1234567} is
   * {@code "1.235"}): what {@code String.format("%.3f")} gives, without a Formatter on every response.
   */
  static String millis(long nanos) {
    long micros = (nanos + 500) / 1000;
    long fraction = micros % 1000;
    return (micros / 1000) + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction;
  }

  static Optional<String> sane(Optional<String> header) {
    if (header.isEmpty()) return Optional.empty();
    String id = header.get().trim();
    if (id.isEmpty() || id.length() > MAX_ID_LENGTH) return Optional.empty();
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7e) return Optional.empty();
    }
    return Optional.of(id);
  }

  private static String newId() {
    // Unique enough to find a request in the logs, and cheaper than UUID.randomUUID's SecureRandom.
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return "req_" + Long.toHexString(random.nextLong() | Long.MIN_VALUE)
        + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
  }
}
