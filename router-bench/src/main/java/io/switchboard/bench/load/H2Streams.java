package io.switchboard.bench.load;

import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.OutgoingConnection;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseFuture;
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
 * Holds many streams at once over HTTP/2 cleartext with prior knowledge (h2c), the way a service mesh
 * talks to the gateway: {@code N} streams share {@code ceil(N / streamsPerConnection)} connections, so
 * the node under test holds a few dozen client sockets instead of one per stream, and 10,000 streams
 * fit under a per-process file limit that HTTP/1.1 (two sockets per stream on the node) does not.
 *
 * <pre>{@code
 * HttpLoad.HeldStreams held = H2Streams.hold(URI.create("http://127.0.0.1:9102/v1/chat/completions"),
 *     streamingBody, 10_000, 1000, 1000.0, Duration.ofSeconds(50), () -> probe.sample());
 * }</pre>
 *
 * <p>Stream {@code i} goes to connection {@code i mod C}, so every connection fills at the same pace
 * and none carries more than {@code streamsPerConnection}; that figure must not exceed the node's
 * {@code pekko.http.server.http2.max-concurrent-streams} (256 by default), or the node refuses the
 * extra streams. HTTP/2 answers streams in whatever order they end, so each request carries its own
 * future as Pekko's {@link ResponseFuture} attribute and the response brings it back.
 *
 * <p>Pekko HTTP's client runs in an actor system of its own, created here and terminated before
 * {@link #hold} returns, so no connection outlives the measurement.
 */
public final class H2Streams {
  /** How long all streams may take to end after the probe, as {@link HttpLoad#holdStreams}. */
  private static final Duration FINISH_TIMEOUT = Duration.ofMinutes(10);
  public static final String UNFINISHED = "unfinished";

  private H2Streams() {}

  /** Connections needed for {@code streams} streams at most {@code streamsPerConnection} to a connection. */
  public static int connectionsFor(int streams, int streamsPerConnection) {
    if (streams < 1) throw new IllegalArgumentException("streams must be at least 1, was " + streams);
    if (streamsPerConnection < 1) {
      throw new IllegalArgumentException("streamsPerConnection must be at least 1, was " + streamsPerConnection);
    }
    return (streams + streamsPerConnection - 1) / streamsPerConnection;
  }

  /**
   * Opens {@code streams} streaming POSTs of {@code body} to {@code uri} at {@code openRate} per second over
   * {@link #connectionsFor} h2c connections and, once every stream has sent its first bytes or failed
   * (or {@code establishTimeout} passed), runs {@code whileHeld}; then waits for every stream to end and
   * closes the connections. A stream is completed when it answered 200 and its body ended with
   * {@code data: [DONE]}; anything else is counted under its kind of error.
   */
  public static HttpLoad.HeldStreams hold(URI uri, String body, int streams, int streamsPerConnection,
      double openRate, Duration establishTimeout, Runnable whileHeld) throws InterruptedException {
    int connections = connectionsFor(streams, streamsPerConnection);
    ActorSystem system = ActorSystem.create("h2-streams", ConfigFactory.parseString(
            "pekko.loglevel = WARNING\n"
                + "pekko.http.client.idle-timeout = 10 min\n"
                + "pekko.http.client.http2.max-concurrent-streams = " + streamsPerConnection + "\n")
        .withFallback(ConfigFactory.load()));
    try {
      Materializer materializer = Materializer.matFromSystem(system);
      Tally tally = new Tally(streams);
      List<Connection> open = new ArrayList<>();
      for (int c = 0; c < connections; c++) {
        open.add(new Connection(system, materializer, uri, streamsPerConnection));
      }
      HttpRequest request = HttpRequest.POST(uri.toString()).withEntity(ContentTypes.APPLICATION_JSON, body);
      ArrivalSchedule schedule = ArrivalSchedule.ofCount(System.nanoTime(), streams, openRate);
      for (int i = 0; i < streams; i++) {
        schedule.awaitDue(i);
        open.get(i % connections).send(request, materializer, tally.stream());
      }
      // Every stream either sent its first bytes or failed, or the time allowed for that ran out.
      tally.settled.await(establishTimeout.toMillis(), TimeUnit.MILLISECONDS);
      int held = tally.established.get();
      whileHeld.run();
      if (!tally.finished.await(FINISH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        tally.errors.computeIfAbsent(UNFINISHED, k -> new LongAdder()).add(tally.finished.getCount());
      }
      open.forEach(Connection::close);
      return new HttpLoad.HeldStreams(streams, held, tally.completed.get(), tally.counts());
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
  }

  /** What all streams came to: counters and the latches {@link #hold} waits on. */
  private static final class Tally {
    final AtomicInteger established = new AtomicInteger();
    final AtomicLong completed = new AtomicLong();
    final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    final CountDownLatch settled;
    final CountDownLatch finished;

    Tally(int streams) {
      settled = new CountDownLatch(streams);
      finished = new CountDownLatch(streams);
    }

    /** One stream's part of the tally: it settles once (first bytes or failure) and finishes once. */
    Stream stream() {
      return new Stream(this);
    }

    Map<String, Long> counts() {
      Map<String, Long> counts = new HashMap<>();
      errors.forEach((k, v) -> counts.put(k, v.sum()));
      return counts;
    }
  }

  private static final class Stream {
    private final Tally tally;
    private final AtomicBoolean settled = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final StreamTail tail = new StreamTail();

    Stream(Tally tally) {
      this.tally = tally;
    }

    void bytes(ByteString chunk) {
      if (chunk.isEmpty()) return;
      if (settled.compareAndSet(false, true)) {
        tally.established.incrementAndGet();
        tally.settled.countDown();
      }
      tail.append(chunk.drop(Math.max(0, chunk.length() - 32)).toArrayUnsafe());
    }

    void ended() {
      if (tail.endedWithDone()) {
        end(null);
      } else {
        end(settled.get() ? "stream without [DONE]" : "empty body");
      }
    }

    void failed(Throwable failure) {
      Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      end(cause.getClass().getSimpleName());
    }

    void end(String error) {
      if (!finished.compareAndSet(false, true)) return;
      if (error == null) {
        tally.completed.incrementAndGet();
      } else {
        tally.errors.computeIfAbsent(error, k -> new LongAdder()).increment();
      }
      if (settled.compareAndSet(false, true)) tally.settled.countDown();
      tally.finished.countDown();
    }
  }

  /**
   * One h2c connection: requests offered to its queue, each response handed to the future its request
   * carried. When the connection ends (closed or failed), every stream still waiting for its response
   * fails, so none is left hanging.
   */
  private static final class Connection {
    private final BoundedSourceQueue<HttpRequest> requests;
    private final Set<CompletableFuture<HttpResponse>> waiting = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Throwable> ended = new AtomicReference<>();

    Connection(ActorSystem system, Materializer materializer, URI uri, int streams) {
      Flow<HttpRequest, HttpResponse, java.util.concurrent.CompletionStage<OutgoingConnection>> h2c =
          Http.get(system).connectionTo(uri.getHost()).toPort(uri.getPort()).http2WithPriorKnowledge();
      Pair<BoundedSourceQueue<HttpRequest>, java.util.concurrent.CompletionStage<Done>> materialized =
          Source.<HttpRequest>queue(streams)
              .via(h2c)
              .toMat(Sink.foreach(response -> response.getAttribute(ResponseFuture.KEY())
                  .ifPresentOrElse(f -> f.future().complete(response), () -> response.discardEntityBytes(system))),
                  Keep.both())
              .run(materializer);
      requests = materialized.first();
      materialized.second().whenComplete((done, failure) -> {
        ended.set(failure != null ? failure : new IllegalStateException("connection closed"));
        waiting.forEach(f -> f.completeExceptionally(ended.get()));
      });
    }

    void send(HttpRequest request, Materializer materializer, Stream stream) {
      CompletableFuture<HttpResponse> response = new CompletableFuture<>();
      waiting.add(response);
      // Added before looking, so a connection that ends meanwhile fails this stream one way or the other.
      if (ended.get() != null) response.completeExceptionally(ended.get());
      response.whenComplete((r, failure) -> {
        waiting.remove(response);
        if (failure != null) {
          stream.failed(failure);
        } else if (r.status().intValue() != 200) {
          r.discardEntityBytes(materializer);
          stream.end("HTTP " + r.status().intValue());
        } else {
          r.entity().getDataBytes().runForeach(stream::bytes, materializer).whenComplete((done, cut) -> {
            if (cut != null) {
              stream.failed(cut);
            } else {
              stream.ended();
            }
          });
        }
      });
      QueueOfferResult offered = requests.offer(request.addAttribute(ResponseFuture.KEY(), new ResponseFuture(response)));
      if (!offered.equals(QueueOfferResult.enqueued())) {
        waiting.remove(response);
        stream.end("not sent: " + offered);
      }
    }

    void close() {
      requests.complete();
    }
  }
}
