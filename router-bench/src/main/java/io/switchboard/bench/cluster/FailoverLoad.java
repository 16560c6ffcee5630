package io.switchboard.bench.cluster;

import io.switchboard.bench.load.ArrivalSchedule;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop load for a failover run: requests at a constant rate, round-robin over the nodes, a share
 * of them streaming, each one's ending judged as its client would ({@link Outcome}). At
 * {@code killAfter} it runs {@code kill} and takes that node out of the rotation at once, as a load
 * balancer would after the first refused connection; what was already in flight on it stays in
 * flight and is what the run measures.
 *
 * <p>Every request is recorded with the node it went to and when it was due, so a report can tell
 * the requests caught on the killed node from those on the survivors, before and after the kill.
 */
final class FailoverLoad implements AutoCloseable {
  /** Beyond this many unanswered requests the generator stops adding more (and counts each as not sent). */
  static final int MAX_OUTSTANDING = 4000;

  /** One request and how it ended; times are offsets from the start of the load. */
  record Sent(int node, long dueMillis, long endMillis, boolean stream, Outcome outcome) {}

  /** What the load saw, and when the kill happened (offset from the start of the load). */
  record Result(List<Sent> requests, int killedNode, long killedAtMillis, long notSent, Duration length) {}

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

  private final List<URI> nodes;
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
    this.plainBody = "{\"model\":\"" + model + "\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    // Streams of 20 chunks 50 ms apart: about a second each, so some are always mid-stream at the kill.
    this.streamBody = "{\"model\":\"" + model + "\",\"max_tokens\":20,\"stream\":true,\"bench_chunks\":20,"
        + "\"bench_interval_ms\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    this.streamShare = streamShare;
    this.timeout = timeout;
  }

  /**
   * Sends for {@code length} at {@code rate} per second; after {@code killAfter} runs {@code kill}
   * (which kills node {@code killedNode}, counted from 1), then waits for every answer.
   */
  Result run(double rate, Duration length, Duration killAfter, int killedNode, Runnable kill)
      throws InterruptedException {
    long start = System.nanoTime();
    ArrivalSchedule schedule = new ArrivalSchedule(start, rate, length);
    long count = schedule.count();
    Queue<Sent> sent = new ConcurrentLinkedQueue<>();
    CountDownLatch finished = new CountDownLatch((int) count);
    AtomicInteger outstanding = new AtomicInteger();
    AtomicLong killedAt = new AtomicLong(-1);
    long killDue = start + killAfter.toNanos();
    List<Integer> rotation = new ArrayList<>();
    for (int i = 1; i <= nodes.size(); i++) rotation.add(i);
    int every = streamShare <= 0 ? Integer.MAX_VALUE : (int) Math.max(1, Math.round(1 / streamShare));
    long notSent = 0;
    Thread killer = new Thread(() -> {
      LockSupport.parkNanos(killDue - System.nanoTime());
      killedAt.set(System.nanoTime() - start);
      kill.run();
    }, "failover-kill");
    killer.start();
    for (long i = 0; i < count; i++) {
      long due = schedule.intendedNanos(i);
      long now = System.nanoTime();
      if (now < due) LockSupport.parkNanos(due - now);
      if (due >= killDue && rotation.contains(killedNode)) rotation.remove(Integer.valueOf(killedNode));
      if (outstanding.get() >= MAX_OUTSTANDING) {
        notSent++;
        finished.countDown();
        continue;
      }
      int node = rotation.get((int) (i % rotation.size()));
      boolean stream = i % every == every - 1;
      outstanding.incrementAndGet();
      long dueMillis = (due - start) / 1_000_000;
      send(node, stream).whenComplete((outcome, failure) -> {
        Outcome o = failure != null ? Outcome.of(failure) : outcome;
        sent.add(new Sent(node, dueMillis, (System.nanoTime() - start) / 1_000_000, stream, o));
        outstanding.decrementAndGet();
        finished.countDown();
      });
    }
    killer.join();
    if (!finished.await(timeout.toSeconds() + 10, TimeUnit.SECONDS)) {
      // Every request carries the timeout, so this only happens if the client itself is stuck.
      System.err.println("failover: " + finished.getCount() + " requests still unanswered after their timeout");
    }
    return new Result(List.copyOf(sent), killedNode, killedAt.get() / 1_000_000, notSent, length);
  }

  private java.util.concurrent.CompletableFuture<Outcome> send(int node, boolean stream) {
    HttpRequest request = HttpRequest.newBuilder(nodes.get(node - 1))
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(stream ? streamBody : plainBody))
        .build();
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> Outcome.of(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body()));
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
