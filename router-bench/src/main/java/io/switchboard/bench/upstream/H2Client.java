package io.switchboard.bench.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.ResponseFuture;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Pekko HTTP's HTTP/2 client with prior knowledge (h2c) to an upstream that speaks it: a few
 * persistent connections ({@code Http.connectionTo(...).managedPersistentHttp2WithPriorKnowledge()},
 * which reconnects by itself), requests spread over them in turn, many streams at once on each. HTTP/2
 * answers streams in the order they end, so each request carries the future of its own answer
 * ({@link ResponseFuture}). Answers pass on as they arrive: streams stream.
 */
final class H2Client implements UpstreamClient {
  /** Requests waiting to be written on one connection; past it a request fails at once. */
  private static final int QUEUE = 4096;

  private final List<BoundedSourceQueue<HttpRequest>> connections = new ArrayList<>();
  private final AtomicInteger next = new AtomicInteger();

  H2Client(ActorSystem<?> system, String host, int port, int connectionCount) {
    if (connectionCount < 1) throw new IllegalArgumentException("at least one connection, was " + connectionCount);
    Materializer materializer = Materializer.matFromSystem(system);
    for (int i = 0; i < connectionCount; i++) {
      connections.add(Source.<HttpRequest>queue(QUEUE)
          .via(Http.get(system).connectionTo(host).toPort(port).managedPersistentHttp2WithPriorKnowledge())
          .to(Sink.foreach(response -> response.getAttribute(ResponseFuture.KEY())
              .ifPresentOrElse(f -> f.future().complete(response), () -> response.discardEntityBytes(system))))
          .run(materializer));
    }
  }

  @Override
  public CompletionStage<HttpResponse> send(HttpMethod method, String path, RequestEntity entity) {
    CompletableFuture<HttpResponse> answer = new CompletableFuture<>();
    HttpRequest request = HttpRequest.create(path).withMethod(method).withEntity(entity)
        .addAttribute(ResponseFuture.KEY(), new ResponseFuture(answer));
    BoundedSourceQueue<HttpRequest> connection =
        connections.get(Math.floorMod(next.getAndIncrement(), connections.size()));
    QueueOfferResult offered = connection.offer(request);
    if (!QueueOfferResult.enqueued().equals(offered)) {
      answer.completeExceptionally(new IllegalStateException("the h2c connection would not take a request: " + offered));
    }
    return answer.thenApply(response ->
        HttpResponse.create().withStatus(response.status()).withEntity(response.entity()));
  }
}
