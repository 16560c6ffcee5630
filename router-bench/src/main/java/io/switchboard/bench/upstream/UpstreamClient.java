package io.switchboard.bench.upstream;

import java.util.Locale;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;

/**
 * How a {@link BarePekkoProxy} reaches its upstream: one request (method, path, entity) to the future of
 * the answer to give the caller (its status and entity, content type included). The server side stays
 * the same for every kind, so a difference between two bare proxies is the client's alone.
 */
interface UpstreamClient {
  CompletionStage<HttpResponse> send(HttpMethod method, String path, RequestEntity entity);

  /** Closes what the client holds beyond its actor system (event loops, connections). */
  default void close() {}

  /** The clients a bare proxy can use, named as {@code --client} takes them. */
  enum Kind {
    /** Pekko HTTP's host connection pool ({@code Http.singleRequest}), as the node uses it. */
    POOL,
    /** Persistent {@code Http.connectionTo(...).http()} flows pooled by the proxy itself ({@link ConnectionClient}). */
    CONNECTION,
    /** A Netty 4 HTTP/1.1 client with a channel pool, answers aggregated whole ({@link NettyClient}). */
    NETTY,
    /** Pekko's HTTP/2 client with prior knowledge, a few multiplexed connections ({@link H2Client}). */
    H2;

    /** {@code pool}, {@code connection}, {@code netty} or {@code h2}, case-insensitive. */
    static Kind named(String name) {
      for (Kind kind : values()) {
        if (kind.label().equalsIgnoreCase(name.strip())) return kind;
      }
      throw new IllegalArgumentException("--client must be pool, connection, netty or h2, was " + name);
    }

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
