package io.switchboard.bench.cluster;

import io.switchboard.bench.load.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Open-loop load for a failover run: requests at a constant rate, spread by a {@link Balancer} over
 * the nodes, a share of them streaming, each one's ending judged as its client would ({@link Outcome}).
 * A {@link Scenario} runs beside it from the start (kill a node, freeze one, restart each in turn),
 * telling the balancer which node goes, as a load balancer would be told; what was already in flight
 * on a node stays in flight and is what the run measures. The load goes on until the scenario is done
 * and then for {@code after} more.
 *
 * <p>With health checks on, the load also asks every node's {@code /ready} every 250 ms (1 s timeout)
 * and keeps a node out of rotation while the answer is not 200, as a load balancer's health check
 * does; that is how a restarted or resumed node comes back.
 *
 * <p>Every request is recorded with the node it went to and when it was due, so a report can tell
 * the requests caught on a disrupted node from those on the others, before, during and after.
 */
final class FailoverLoad implements AutoCloseable {
  /** Beyond this many unanswered requests the generator stops adding more (and counts each as not sent). */
  static final int MAX_OUTSTANDING = 4000;
  private static final Duration HEALTH_EVERY = Duration.ofMillis(250);
  private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(1);

  /**
   * One request and how it ended; times are offsets from the start of the load. {@code writtenMillis}
   * is when the client began writing its body, after it had a connection and had sent the headers
   * ({@link #NEVER} if it never did): on a starved machine a request may be written seconds after it
   * was due, and a node that is closing its connections then sees it late or not at all.
   */
  record Sent(int node, long dueMillis, long writtenMillis, long endMillis, boolean stream, Outcome outcome) {
    static final long NEVER = -1;

    /** A request written when it was due. */
    Sent(int node, long dueMillis, long endMillis, boolean stream, Outcome outcome) {
      this(node, dueMillis, dueMillis, endMillis, stream, outcome);
    }
  }

  /**
   * What the load saw and what happened meanwhile.
   *
   * @param notSent requests not sent because {@link #MAX_OUTSTANDING} were unanswered
   * @param noNode requests not sent because no node was in rotation (a client would have had an error)
   */
  record Result(List<Sent> requests, List<Timeline.Event> events, long notSent, long noNode, Duration length) {}

  /** What a run does to the cluster while the load runs; started with the load, on its own thread. */
  interface Scenario {
    void play(Balancer balancer, Timeline timeline) throws Exception;
  }

  private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "failover-client");
    t.setDaemon(true);
    return t;
  });
  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .executor(executor)
      .build();
  private final HttpClient healthClient = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(HEALTH_TIMEOUT)
      .build();

  private final Lateness lateness = new Lateness();
  private volatile long loadStart;
  private final List<URI> nodes;
  private final List<URI> readiness;
  private final String plainBody;
  private final String streamBody;
  private final double streamShare;
  private final Duration timeout;

  /**
   * @param nodeUrls each node's base URL, node 1 first
   * @param streamShare the share of requests that stream, 0 to 1, spread evenly (every k-th request)
   */
  FailoverLoad(List<String> nodeUrls, String model, double streamShare, Duration timeout) {
    this.nodes = nodeUrls.stream().map(u -> URI.create(u + "/v1/chat/completions")).toList();
    this.readiness = nodeUrls.stream().map(u -> URI.create(u + "/ready")).toList();
    this.plainBody = "{\"model\":\"" + model + "\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    // Streams of 20 chunks 50 ms apart: about a second each, so some are always mid-stream at the kill.
    this.streamBody = "{\"model\":\"" + model + "\",\"max_tokens\":20,\"stream\":true,\"bench_chunks\":20,"
        + "\"bench_interval_ms\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    this.streamShare = streamShare;
    this.timeout = timeout;
  }

  /**
   * How late, in milliseconds, the requests written in the last second or two were written after they
   * were due, or {@link Lateness#NONE} if none were (see {@link Lateness}).
   */
  long recentLatenessMillis() {
    return lateness.recentMillis((System.nanoTime() - loadStart) / 1_000_000);
  }

  /**
   * Sends at {@code rate} per second while {@code scenario} plays and for {@code after} once it is
   * done, then waits for every answer.
   */
  Result run(double rate, Duration after, boolean healthChecks, Scenario scenario, Consumer<String> log)
      throws InterruptedException {
    long start = System.nanoTime();
    loadStart = start;
    Timeline timeline = new Timeline(start, log);
    Balancer balancer = new Balancer(nodes.size());
    Queue<Sent> sent = new ConcurrentLinkedQueue<>();
    AtomicInteger outstanding = new AtomicInteger();
    AtomicLong scenarioDone = new AtomicLong(Long.MAX_VALUE);
    AtomicBoolean loadDone = new AtomicBoolean();
    int every = streamShare <= 0 ? Integer.MAX_VALUE : (int) Math.max(1, Math.round(1 / streamShare));
    long notSent = 0;
    long noNode = 0;
    Thread player = new Thread(() -> {
      try {
        scenario.play(balancer, timeline);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        timeline.saw("the run could not go on: " + e);
      } finally {
        scenarioDone.set(System.nanoTime());
      }
    }, "failover-scenario");
    player.start();
    Thread health = new Thread(() -> checkHealth(balancer, loadDone), "failover-health");
    health.setDaemon(true);
    if (healthChecks) health.start();
    long afterNanos = after.toNanos();
    for (long i = 0; ; i++) {
      long due = start + Math.round(i * 1e9 / rate);
      long doneAt = scenarioDone.get();
      if (doneAt != Long.MAX_VALUE && due - doneAt >= afterNanos) break;
      long now = System.nanoTime();
      if (now < due) LockSupport.parkNanos(due - now);
      if (outstanding.get() >= MAX_OUTSTANDING) {
        notSent++;
        continue;
      }
      int node = balancer.next();
      if (node == Balancer.NONE) {
        noNode++;
        continue;
      }
      boolean stream = i % every == every - 1;
      outstanding.incrementAndGet();
      long dueMillis = (due - start) / 1_000_000;
      AtomicLong written = new AtomicLong(Sent.NEVER);
      send(node, stream, () -> {
        long at = (System.nanoTime() - start) / 1_000_000;
        if (written.compareAndSet(Sent.NEVER, at)) lateness.written(dueMillis, at);
      })
          .whenComplete((outcome, failure) -> {
            Outcome o = failure != null ? Outcome.of(failure) : outcome;
            sent.add(new Sent(node, dueMillis, written.get(), (System.nanoTime() - start) / 1_000_000, stream, o));
            outstanding.decrementAndGet();
          });
    }
    Duration length = Duration.ofNanos(System.nanoTime() - start);
    loadDone.set(true);
    player.join();
    if (!Await.until(() -> outstanding.get() == 0, timeout.plusSeconds(10), Duration.ofMillis(100))) {
      // Every request carries the timeout, so this only happens if the client itself is stuck.
      System.err.println("failover: " + outstanding.get() + " requests still unanswered after their timeout");
    }
    return new Result(List.copyOf(sent), timeline.events(), notSent, noNode, length);
  }

  /** Until the load is done: every node's {@code /ready}, all at once, every {@link #HEALTH_EVERY}. */
  private void checkHealth(Balancer balancer, AtomicBoolean done) {
    while (!done.get()) {
      List<CompletableFuture<Void>> checks = new ArrayList<>();
      for (int i = 0; i < readiness.size(); i++) {
        int node = i + 1;
        HttpRequest request = HttpRequest.newBuilder(readiness.get(i)).timeout(HEALTH_TIMEOUT).GET().build();
        checks.add(healthClient.sendAsync(request, HttpResponse.BodyHandlers.discarding())
            .handle((r, failure) -> {
              balancer.checked(node, failure == null && r.statusCode() == 200);
              return null;
            }));
      }
      try {
        CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).get(HEALTH_TIMEOUT.toMillis() * 2,
            TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      } catch (ExecutionException | TimeoutException e) {
        // A check that did not finish leaves the node as it was; the next round asks again.
      }
      LockSupport.parkNanos(HEALTH_EVERY.toNanos());
    }
  }

  private java.util.concurrent.CompletableFuture<Outcome> send(int node, boolean stream, Runnable writing) {
    HttpRequest request = HttpRequest.newBuilder(nodes.get(node - 1))
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(new Noticed(HttpRequest.BodyPublishers.ofString(stream ? streamBody : plainBody), writing))
        .build();
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> Outcome.of(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body()));
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }

  /** A body that tells when the client starts writing it (subscribes to it), then is the body it wraps. */
  private record Noticed(HttpRequest.BodyPublisher body, Runnable writing) implements HttpRequest.BodyPublisher {
    @Override
    public long contentLength() {
      return body.contentLength();
    }

    @Override
    public void subscribe(java.util.concurrent.Flow.Subscriber<? super java.nio.ByteBuffer> subscriber) {
      writing.run();
      body.subscribe(subscriber);
    }
  }
}
