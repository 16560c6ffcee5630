package io.switchboard.bench.upstream;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.OutgoingConnection;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Pekko HTTP's connection-level client pooled by the proxy itself instead of by the host pool: each
 * connection is one materialized {@code Http.connectionTo(host).toPort(port).http()} flow, kept alive
 * (HTTP/1.1 keep-alive) and given one request at a time; the idle ones wait in a {@link FreeList}.
 *
 * <p>A connection is free again once its answer has been passed on whole: at once for a strict entity,
 * and for a streamed one (a server-sent event stream) when its last chunk has gone to the caller, so
 * streams stream. An answer cut short closes its connection; so does anything the upstream closes.
 * What this leaves out against the host pool: retries, a request queue with a bound, idle-connection
 * expiry and the pool's actor-like master stage that every request and answer passes through.
 */
final class ConnectionClient implements UpstreamClient {
  private final Flow<HttpRequest, HttpResponse, CompletionStage<OutgoingConnection>> connectionFlow;
  private final Materializer materializer;
  private final FreeList<Connection> connections;

  ConnectionClient(ActorSystem<?> system, String host, int port, int maxConnections) {
    this.connectionFlow = Http.get(system).connectionTo(host).toPort(port).http();
    this.materializer = Materializer.matFromSystem(system);
    this.connections = new FreeList<>(maxConnections, Connection::new);
  }

  @Override
  public CompletionStage<HttpResponse> send(HttpMethod method, String path, RequestEntity entity) {
    HttpRequest request = HttpRequest.create(path).withMethod(method).withEntity(entity);
    return connections.acquire().thenCompose(connection -> connection.exchange(request));
  }

  /** Connections open now (in use or idle), for tests. */
  int open() {
    return connections.open();
  }

  /** Connections open and idle now, for tests. */
  int idle() {
    return connections.idle();
  }

  /** One persistent upstream connection: a queue of one request in, the answers out. */
  private final class Connection {
    private final BoundedSourceQueue<HttpRequest> requests;
    private final AtomicBoolean ended = new AtomicBoolean();
    /** The answer of the request in flight; null while the connection is idle. */
    private volatile CompletableFuture<HttpResponse> pending;

    Connection() {
      Pair<BoundedSourceQueue<HttpRequest>, CompletionStage<Done>> ends = Source.<HttpRequest>queue(1)
          .via(connectionFlow)
          .toMat(Sink.foreach(this::answered), Keep.both())
          .run(materializer);
      requests = ends.first();
      ends.second().whenComplete((done, failure) ->
          end(failure != null ? failure : new IllegalStateException("the upstream closed the connection")));
    }

    CompletionStage<HttpResponse> exchange(HttpRequest request) {
      CompletableFuture<HttpResponse> answer = new CompletableFuture<>();
      pending = answer;
      QueueOfferResult offered = requests.offer(request);
      if (!QueueOfferResult.enqueued().equals(offered)) {
        end(new IllegalStateException("the connection would not take a request: " + offered));
      }
      return answer;
    }

    private void answered(HttpResponse response) {
      CompletableFuture<HttpResponse> answer = pending;
      pending = null;
      ResponseEntity entity = response.entity();
      ResponseEntity passed;
      if (entity.isStrict()) {
        connections.release(this);
        passed = entity;
      } else {
        passed = freedWhenDone(entity);
      }
      if (answer != null) answer.complete(HttpResponse.create().withStatus(response.status()).withEntity(passed));
    }

    /** The same entity, whose end frees this connection (or, cut short, closes it). */
    private ResponseEntity freedWhenDone(ResponseEntity entity) {
      Source<ByteString, Object> data = entity.getDataBytes().watchTermination((mat, done) -> {
        done.whenComplete((ok, failure) -> {
          if (failure == null) {
            connections.release(this);
          } else {
            requests.complete();
            end(failure);
          }
        });
        return mat;
      });
      ContentType type = entity.getContentType();
      if (entity.isDefault()) return HttpEntities.create(type, entity.getContentLengthOption().getAsLong(), data);
      if (entity.isChunked()) return HttpEntities.createChunked(type, data);
      return HttpEntities.createCloseDelimited(type, data);
    }

    private void end(Throwable failure) {
      if (!ended.compareAndSet(false, true)) return;
      CompletableFuture<HttpResponse> answer = pending;
      pending = null;
      if (answer != null) answer.completeExceptionally(failure);
      connections.discard(this);
    }
  }
}
