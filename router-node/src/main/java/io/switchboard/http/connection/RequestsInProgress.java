package io.switchboard.http.connection;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpProtocols;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.HttpEntity;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.scaladsl.Source;

/**
 * Tells a connection's guard when a request is in progress: from the moment the handler is given the
 * request (its headers are complete) until its response has been sent to its last byte, so that a
 * response streaming for minutes keeps its connection as long as it streams. The handler also gets
 * the request's {@link ClientGone} signal, which completes if the connection ends meanwhile.
 */
final class RequestsInProgress {
  private RequestsInProgress() {}

  /** {@code handler}'s answer to {@code request}, counted as in progress on {@code connection}. */
  static CompletionStage<HttpResponse> handle(ConnectionGuard.Connection connection, HttpRequest request,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
    connection.requestStarted();
    // After a request that closes its connection no further request can come, and the end of the
    // requests cannot be told from its client leaving: to be safe, such a request is not watched.
    CompletableFuture<Void> gone = closesConnection(request) ? new CompletableFuture<>() : connection.watch();
    Runnable finished = () -> {
      connection.unwatch(gone);
      connection.requestFinished();
    };
    CompletionStage<HttpResponse> response;
    try {
      response = handler.apply(request.addAttribute(ClientGone.KEY, new ClientGone(gone)));
    } catch (Exception e) {
      finished.run();
      return CompletableFuture.failedFuture(e);
    }
    return response
        .whenComplete((answered, failure) -> {
          if (failure != null) finished.run();
        })
        .thenApply(answered -> onEntityEnd(answered, finished));
  }

  /** An HTTP/1.0 request without {@code keep-alive}, or one with {@code Connection: close}. */
  static boolean closesConnection(HttpRequest request) {
    String connection = request.getHeader("connection").map(h -> h.value().toLowerCase(Locale.ROOT)).orElse("");
    if (request.protocol().equals(HttpProtocols.HTTP_1_0)) return !connection.contains("keep-alive");
    return connection.contains("close");
  }

  /** The client end of the connection {@code request} came in on (needs {@code remote-address-attribute}). */
  static Optional<InetSocketAddress> remote(HttpRequest request) {
    return request.getAttribute(AttributeKeys.remoteAddress)
        .flatMap(remote -> remote.getAddress().map(address -> new InetSocketAddress(address, remote.getPort())));
  }

  /**
   * {@code response} with {@code end} run when its entity has been sent, or failed or been cancelled; at
   * once for an entity that is already in memory. A streamed entity keeps its kind and its length.
   */
  static HttpResponse onEntityEnd(HttpResponse response, Runnable end) {
    if (response.entity() instanceof HttpEntity.Default entity) {
      return response.withEntity(new HttpEntity.Default(entity.contentType(), entity.contentLength(),
          watched(entity.data(), end)));
    }
    if (response.entity() instanceof HttpEntity.Chunked entity) {
      return response.withEntity(new HttpEntity.Chunked(entity.contentType(), watched(entity.chunks(), end)));
    }
    if (response.entity() instanceof HttpEntity.CloseDelimited entity) {
      return response.withEntity(new HttpEntity.CloseDelimited(entity.contentType(), watched(entity.data(), end)));
    }
    end.run();
    return response;
  }

  private static <T> Source<T, Object> watched(Source<T, Object> data, Runnable end) {
    return data.asJava().watchTermination((mat, done) -> {
      done.whenComplete((ok, failure) -> end.run());
      return mat;
    }).asScala();
  }
}
