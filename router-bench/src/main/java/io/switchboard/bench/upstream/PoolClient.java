package io.switchboard.bench.upstream;

import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;

/**
 * Pekko HTTP's host connection pool, with the benchmark node's provider settings: 4,096 connections
 * and as many open requests, no retries. The answer's entity passes back as it arrives (a stream
 * streams).
 */
final class PoolClient implements UpstreamClient {
  private final Http http;
  private final Uri upstream;
  private final ConnectionPoolSettings pool;
  private final LoggingAdapter log;

  PoolClient(ActorSystem<?> system, Uri upstream, int maxConnections) {
    this.http = Http.get(system);
    this.log = system.classicSystem().log();
    this.upstream = upstream;
    this.pool = ConnectionPoolSettings.create(system.classicSystem())
        .withMaxConnections(maxConnections)
        .withMaxOpenRequests(maxConnections)
        .withMaxRetries(0);
  }

  @Override
  public CompletionStage<HttpResponse> send(HttpMethod method, String path, RequestEntity entity) {
    HttpRequest outgoing = HttpRequest.create()
        .withMethod(method)
        .withUri(upstream.path(path))
        .withEntity(entity);
    return http.singleRequest(outgoing, http.defaultClientHttpsContext(), pool, log)
        .thenApply(response -> HttpResponse.create().withStatus(response.status()).withEntity(response.entity()));
  }
}
