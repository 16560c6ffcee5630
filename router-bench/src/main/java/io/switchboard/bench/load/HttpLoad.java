package io.switchboard.bench.load;

import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The load generator. Open and closed loop run on {@link KeepAliveClient} (Netty, HTTP/1.1 keep-alive,
 * one event loop thread each, one client per target and body); held streams on {@code java.net.http}, whose cost per
 * request does not matter at their opening rate.
 *
 * <ul>
 *   <li>{@link #openLoop}: a constant arrival rate ({@link ArrivalSchedule}); latency from the intended
 *       send time, so stalls are not hidden (no coordinated omission). One thread paces the sends;
 *       how late it sent is recorded too ({@link OpenLoopResult#sendLag}), which shows when the
 *       generator itself is the bottleneck.</li>
 *   <li>{@link #closedLoop}: N connections, each sending its next request as soon as the previous
 *       answer is read; its throughput is the saturation figure.</li>
 *   <li>{@link #holdStreams}: N streams open at once, for memory figures.</li>
 * </ul>
 *
 * <p>Open and closed loop also take several URIs (the nodes of a cluster, with no load balancer in
 * front): open loop sends request {@code i} to URI {@code i mod n}; closed loop binds connection
 * {@code c} to URI {@code c mod n}, as a client with one pool per node would.
 *
 * <p>Limits: one event loop thread reads every connection, and open loop paces its sends from one
 * more; an open-loop request is never sent on a connection still carrying another, so at a rate the
 * server cannot keep up with the generator opens connections (up to {@value #MAX_OUTSTANDING}).
 * Saturation figures still come from wrk when it is installed, so that they compare with earlier runs.
 */
public final class HttpLoad implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  /**
   * Open loop stops adding requests beyond this many unanswered ones and counts each request it skips
   * as an error ({@value #OVERLOAD}); otherwise a server slower than the asked rate would make the
   * generator open connections until it ran out of file descriptors.
   */
  static final int MAX_OUTSTANDING = 2000;
  public static final String OVERLOAD = "not sent: 2000 requests already unanswered";

  private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "load-client");
    t.setDaemon(true);
    return t;
  });
  private final EventLoopGroup loop = KeepAliveClient.newEventLoop();
  private final Map<String, KeepAliveClient> clients = new ConcurrentHashMap<>();

  private HttpClient newClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(30))
        .executor(executor)
        .build();
  }

  /**
   * One client per target list and body, kept until {@link #close()}: a measured run right after its
   * warm-up finds the connections the warm-up opened, as it did with one JDK client per generator.
   */
  private KeepAliveClient client(List<URI> uris, String body) {
    return clients.computeIfAbsent(uris + " " + body, k -> new KeepAliveClient(loop.next(), uris, body));
  }

  /**
   * An open-loop run's latencies and how far behind schedule the generator sent.
   *
   * @param histogram the latencies themselves (µs), for adding several runs into one summary
   */
  public record OpenLoopResult(LatencySummary latency, LatencySummary sendLag, Histogram histogram) {}

  /** A streaming run: time to first byte of the body and time to the end of the stream. */
  public record StreamResult(LatencySummary firstToken, LatencySummary total) {}

  /**
   * Sends {@code body} to {@code uri} at {@code rate} per second for {@code length}, after {@code warmup}
   * at the same rate whose results are discarded. Streams are read to the end; {@code firstToken}
   * is recorded for them too.
   */
  public StreamResult openLoop(String label, URI uri, String body, double rate, Duration warmup, Duration length)
      throws InterruptedException {
    KeepAliveClient client = client(List.of(uri), body);
    if (!warmup.isZero()) runOpenLoop(client, label, 1, rate, warmup);
    return runOpenLoop(client, label, 1, rate, length).result;
  }

  /** As {@link #openLoop}, also reporting how late the generator itself sent. */
  public OpenLoopResult openLoopWithLag(String label, URI uri, String body, double rate, Duration warmup,
      Duration length) throws InterruptedException {
    return openLoopWithLag(label, List.of(uri), body, rate, warmup, length);
  }

  /** As {@link #openLoopWithLag(String, URI, String, double, Duration, Duration)}, round-robin over {@code uris}. */
  public OpenLoopResult openLoopWithLag(String label, List<URI> uris, String body, double rate, Duration warmup,
      Duration length) throws InterruptedException {
    KeepAliveClient client = client(uris, body);
    if (!warmup.isZero()) runOpenLoop(client, label, uris.size(), rate, warmup);
    Run run = runOpenLoop(client, label, uris.size(), rate, length);
    return new OpenLoopResult(run.result.total(), run.sendLag, run.total);
  }

  private record Run(StreamResult result, LatencySummary sendLag, Histogram total) {}

  private Run runOpenLoop(KeepAliveClient client, String label, int targets, double rate, Duration length)
      throws InterruptedException {
    Recorder total = new Recorder(3);
    Recorder first = new Recorder(3);
    Histogram lag = LatencySummary.newHistogram();
    Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    ArrivalSchedule schedule = new ArrivalSchedule(System.nanoTime() + 1_000_000, rate, length);
    long count = schedule.count();
    CountDownLatch finished = new CountDownLatch((int) count);
    AtomicInteger outstanding = new AtomicInteger();
    for (long i = 0; i < count; i++) {
      long intended = schedule.intendedNanos(i);
      long now = schedule.awaitDue(i);
      lag.recordValue(Math.max(0, now - intended) / 1000);
      if (outstanding.get() >= MAX_OUTSTANDING) {
        errors.computeIfAbsent(OVERLOAD, k -> new LongAdder()).increment();
        finished.countDown();
        continue;
      }
      outstanding.incrementAndGet();
      client.send((int) (i % targets), (firstByte, end, error) -> {
        if (error == null) {
          total.recordValue((end - intended) / 1000);
          first.recordValue((firstByte - intended) / 1000);
        } else {
          errors.computeIfAbsent(error, k -> new LongAdder()).increment();
        }
        outstanding.decrementAndGet();
        finished.countDown();
      });
    }
    long sendEnd = System.nanoTime();
    if (!finished.await(TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS)) {
      errors.computeIfAbsent("unfinished", k -> new LongAdder()).add(finished.getCount());
    }
    double seconds = (sendEnd - schedule.startNanos()) / 1e9;
    Map<String, Long> errorCounts = counts(errors);
    Histogram latencies = total.getIntervalHistogram();
    return new Run(
        new StreamResult(
            LatencySummary.of(label + " first byte", first.getIntervalHistogram(), errorCounts, seconds),
            LatencySummary.of(label, latencies, errorCounts, seconds)),
        LatencySummary.of(label + " send lag", lag, Map.of(), seconds), latencies);
  }

  private static String errorOf(HttpResponse<TimedBody> response, Throwable failure) {
    if (failure != null) {
      Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
      return cause.getClass().getSimpleName();
    }
    if (response.statusCode() != 200) return "HTTP " + response.statusCode();
    boolean sse = response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream");
    if (sse && !response.body().endedWithDone()) return "stream without [DONE]";
    if (response.body().firstByteNanos() == 0) return "empty body";
    return null;
  }

  /**
   * {@code connections} loops each sending its next request when the previous answer is read, for
   * {@code length} after {@code warmup}. Latency is per request, from its own send.
   */
  public LatencySummary closedLoop(String label, URI uri, String body, int connections, Duration warmup,
      Duration length) throws InterruptedException {
    return closedLoop(label, List.of(uri), body, connections, warmup, length);
  }

  /** As {@link #closedLoop(String, URI, String, int, Duration, Duration)}, connection {@code c} to {@code uris[c mod n]}. */
  public LatencySummary closedLoop(String label, List<URI> uris, String body, int connections, Duration warmup,
      Duration length) throws InterruptedException {
    KeepAliveClient client = client(uris, body);
    if (!warmup.isZero()) runClosedLoop(client, label, uris.size(), connections, warmup);
    return runClosedLoop(client, label, uris.size(), connections, length);
  }

  private LatencySummary runClosedLoop(KeepAliveClient client, String label, int targets, int connections,
      Duration length) throws InterruptedException {
    Recorder latency = new Recorder(3);
    Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    long start = System.nanoTime();
    long deadline = start + length.toNanos();
    CountDownLatch loops = new CountDownLatch(connections);
    for (int c = 0; c < connections; c++) loop(client, c % targets, deadline, latency, errors, loops);
    loops.await(length.toSeconds() + TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    return LatencySummary.of(label, latency.getIntervalHistogram(), counts(errors), seconds);
  }

  /** One loop of a closed-loop run; at most one request per loop is unanswered, so loops = connections. */
  private void loop(KeepAliveClient client, int target, long deadline, Recorder latency, Map<String, LongAdder> errors,
      CountDownLatch loops) {
    long start = System.nanoTime();
    if (start >= deadline) {
      loops.countDown();
      return;
    }
    client.send(target, (firstByte, end, error) -> {
      if (error == null) {
        latency.recordValue((end - start) / 1000);
      } else {
        errors.computeIfAbsent(error, k -> new LongAdder()).increment();
      }
      loop(client, target, deadline, latency, errors, loops);
    });
  }

  /**
   * A closed-loop run cut into slices of equal length: requests completed (200 and read to the end) in
   * each slice by the time they ended, their latencies per slice (µs), and failures per slice.
   */
  public record Curve(Duration slice, long[] completed, long[] failed, Histogram[] latencies) {}

  /**
   * As {@link #closedLoop(String, URI, String, int, Duration, Duration)} with no warm-up, recording
   * what completed in each {@code slice} of {@code length}: how throughput and latency change while a
   * fresh server warms up. Requests that end after {@code length} are not counted.
   */
  public Curve closedLoopCurve(URI uri, String body, int connections, Duration length, Duration slice)
      throws InterruptedException {
    KeepAliveClient client = client(List.of(uri), body);
    int slices = (int) Math.max(1, length.toNanos() / slice.toNanos());
    long[] completed = new long[slices];
    long[] failed = new long[slices];
    Histogram[] latencies = new Histogram[slices];
    for (int i = 0; i < slices; i++) latencies[i] = LatencySummary.newHistogram();
    long start = System.nanoTime();
    long deadline = start + slice.toNanos() * slices;
    CountDownLatch loops = new CountDownLatch(connections);
    // Every outcome arrives on the client's one event loop thread; the latch publishes the arrays to this one.
    for (int c = 0; c < connections; c++) {
      curveLoop(client, start, deadline, slice.toNanos(), completed, failed, latencies, loops);
    }
    loops.await(length.toSeconds() + TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
    return new Curve(slice, completed, failed, latencies);
  }

  private void curveLoop(KeepAliveClient client, long start, long deadline, long sliceNanos, long[] completed,
      long[] failed, Histogram[] latencies, CountDownLatch loops) {
    long sent = System.nanoTime();
    if (sent >= deadline) {
      loops.countDown();
      return;
    }
    client.send(0, (firstByte, end, error) -> {
      if (end < deadline) {
        int at = (int) ((end - start) / sliceNanos);
        if (error == null) {
          completed[at]++;
          latencies[at].recordValue(Math.max(0, end - sent) / 1000);
        } else {
          failed[at]++;
        }
      }
      curveLoop(client, start, deadline, sliceNanos, completed, failed, latencies, loops);
    });
  }

  /** What holding many streams at once showed. */
  public record HeldStreams(int asked, int established, long completed, Map<String, Long> errors) {}

  /**
   * Opens {@code streams} streaming requests at {@code openRate} per second and, once all have sent
   * their first bytes (or {@code establishTimeout} passed), runs {@code whileHeld} (the memory probe);
   * then waits for every stream to end. {@code body} must ask for a stream long enough to outlast
   * the ramp and the probe. The streams use a client of their own, dropped afterwards so that its
   * thousands of idle keep-alive connections do not stay open on the node (the JDK client closes them
   * once it is garbage collected).
   */
  public HeldStreams holdStreams(URI uri, String body, int streams, double openRate, Duration establishTimeout,
      Runnable whileHeld) throws InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(uri)
        .timeout(Duration.ofMinutes(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    HttpClient streamsClient = newClient();
    AtomicInteger established = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicLong completed = new AtomicLong();
    Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    CountDownLatch finished = new CountDownLatch(streams);
    CountDownLatch settled = new CountDownLatch(streams);
    ArrivalSchedule schedule = ArrivalSchedule.ofCount(System.nanoTime(), streams, openRate);
    for (int i = 0; i < streams; i++) {
      schedule.awaitDue(i);
      AtomicBoolean counted = new AtomicBoolean();
      Runnable settle = () -> {
        if (counted.compareAndSet(false, true)) settled.countDown();
      };
      streamsClient.sendAsync(request, info -> new TimedBody(() -> {
            established.incrementAndGet();
            settle.run();
          }))
          .whenComplete((response, failure) -> {
            String error = errorOf(response, failure);
            if (error == null) {
              completed.incrementAndGet();
            } else {
              failed.incrementAndGet();
              errors.computeIfAbsent(error, k -> new LongAdder()).increment();
            }
            settle.run();
            finished.countDown();
          });
    }
    // Every stream either sent its first bytes or failed, or the time allowed for that ran out.
    settled.await(establishTimeout.toMillis(), TimeUnit.MILLISECONDS);
    int held = established.get();
    whileHeld.run();
    finished.await(10, TimeUnit.MINUTES);
    streamsClient = null;
    System.gc(); // the dropped client closes its idle connections once collected; the caller awaits that
    return new HeldStreams(streams, held, completed.get(), counts(errors));
  }

  private static Map<String, Long> counts(Map<String, LongAdder> errors) {
    Map<String, Long> counts = new HashMap<>();
    errors.forEach((k, v) -> counts.put(k, v.sum()));
    return counts;
  }

  @Override
  public void close() {
    clients.values().forEach(KeepAliveClient::close);
    loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    executor.shutdownNow();
  }
}
