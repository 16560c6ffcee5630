package io.switchboard.provider.transport;

import io.netty.channel.ConnectTimeoutException;
import io.switchboard.config.ProviderSettings;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * How one provider's requests reach its host: a request in, its response (headers, and a body that
 * streams) out. {@code UpstreamHttp} lays the provider's timeouts and failure messages over it; a
 * transport only moves bytes and reports what went wrong with the exception it got.
 *
 * <p>Two exist, chosen by {@code connection-pool.client}: {@link NettyTransport} (the default, which
 * also withdraws a request before its response headers came) and {@link PekkoTransport} (Pekko HTTP's
 * host pool).
 */
public interface UpstreamTransport {

  /**
   * Sends {@code request}; completes with the response once its headers arrived.
   *
   * @param abandoned completes when the call is given up (by its caller, or because its response headers
   *     did not come within {@code timeouts.first-byte}); null when it never is. A transport that can
   *     withdraw a request closes its connection then and fails with {@link CallAbandonedException}; the
   *     body of a response already received is the caller's to cut
   */
  CompletionStage<HttpResponse> send(HttpRequest request, CompletionStage<Void> abandoned);

  /**
   * Whether {@code error} says a connection could not be opened within {@code timeouts.connect}: Pekko's
   * TCP layer reports it as a failed Connect command ("Connect timeout of 5 s"), Netty with its {@link
   * ConnectTimeoutException} (a {@link java.net.ConnectException}, so a caller asks this before it reads
   * one as a refused connection).
   */
  static boolean isConnectTimeout(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof ConnectTimeoutException) return true;
      if (t.getMessage() != null && t.getMessage().contains("Connect timeout")) return true;
    }
    return false;
  }

  /** The transport {@code settings.client()} names, for requests to the provider's host. */
  static UpstreamTransport of(ActorSystem<?> system, ProviderSettings settings) {
    return switch (settings.client()) {
      case PEKKO -> new PekkoTransport(system, settings);
      case NETTY -> new NettyTransport(system, settings);
    };
  }

  /**
   * Requests open in one provider's pool at most, in use or waiting for a connection: room for as many
   * as the provider admits, rounded up to a power of two (Pekko's pool requires one).
   */
  static int maxOpenRequests(ProviderSettings settings) {
    int n = Math.max(settings.maxInFlight(), settings.maxConnections());
    return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
  }
}
