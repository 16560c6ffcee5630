package io.switchboard.bench.upstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.ThrottleMode;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * A fast stand-in for OpenAI's {@code POST /v1/chat/completions}, run as its own process so the
 * gateway under test and the upstream do not share a JVM:
 *
 * <pre>
 * java -cp router-bench.jar io.switchboard.bench.upstream.FakeUpstream --port 9100 [--chunks 16]
 *     [--interval-ms 0] [--first-ms 0] [--rpm 0] [--latency-ms 0] [--tail-share 0] [--tail-delay-ms 0]
 *     [--tail-seed 1] [--http2 on]
 * </pre>
 *
 * <p>With {@code --rpm N} (or a {@link RequestLimit} given to {@link #start}) it enforces its own
 * requests-per-minute limit as OpenAI does: a request over it is answered 429 {@code rate_limit_exceeded}
 * with {@code retry-after}, and counted.
 *
 * <p>By default it answers every request at once (no think time), so what a benchmark measures is the
 * path in front of it. With {@code --latency-ms} every call waits that long before answering, and with
 * {@code --tail-share 0.05 --tail-delay-ms 2000} a seeded 5% of calls wait 2 s more ({@link
 * UpstreamLatency}): a heavy tail for measuring hedged requests. It counts the calls it answered and
 * those it delayed as slow ({@link Running#calls}, {@link Running#tailCalls}). Streams are paced by
 * Pekko's scheduler, whose 10 ms tick makes pacing below ~10 ms coarse; {@code --interval-ms 0} sends
 * all chunks back to back.
 */
public final class FakeUpstream {
  private static final String PATH = "/v1/chat/completions";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final FakeReplies replies = new FakeReplies("bench-model", 1_700_000_000L);
  /** Calls answered (not refused by the limit), numbered from 0 in the order they came. */
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong tailCalls = new AtomicLong();
  /** Whole answers still held back in their think time. */
  private final AtomicLong thinking = new AtomicLong();
  private final ReplyShape defaults;
  private final ActorSystem<Void> system;
  private final Materializer materializer;
  private final RequestLimit limit;
  private final UpstreamLatency latency;

  private FakeUpstream(ReplyShape defaults, ActorSystem<Void> system, RequestLimit limit, UpstreamLatency latency) {
    this.defaults = defaults;
    this.system = system;
    this.materializer = Materializer.matFromSystem(system);
    this.limit = limit;
    this.latency = latency;
  }

  /**
   * A fake upstream started in this JVM; {@link #stop} it when done.
   *
   * @param calls the calls it has answered or is about to answer (a call cancelled during its think time
   *     counts: it reached the upstream)
   * @param tailCalls those of them delayed as the slow share of {@link UpstreamLatency}
   * @param thinking whole answers still held back in their think time (0: every call so far has ended)
   */
  public record Running(ActorSystem<Void> system, int port, LongSupplier calls, LongSupplier tailCalls,
      LongSupplier thinking) {
    public void stop() {
      system.terminate();
    }
  }

  /**
   * Starts a fake upstream on {@code host:port} (0: any free port) in this JVM that answers at once.
   *
   * @param limit enforced on every request when not null
   */
  public static CompletionStage<Running> start(String host, int port, ReplyShape defaults, RequestLimit limit) {
    return start(host, port, defaults, limit, UpstreamLatency.NONE);
  }

  /**
   * Starts a fake upstream on {@code host:port} (0: any free port) in this JVM whose calls take {@code
   * latency}.
   *
   * @param limit enforced on every request when not null
   */
  public static CompletionStage<Running> start(String host, int port, ReplyShape defaults, RequestLimit limit,
      UpstreamLatency latency) {
    return start(host, port, defaults, limit, latency, false);
  }

  /**
   * As {@link #start(String, int, ReplyShape, RequestLimit, UpstreamLatency)}, and with {@code http2} the
   * same port also speaks h2c (HTTP/2 with prior knowledge) beside HTTP/1.1.
   */
  public static CompletionStage<Running> start(String host, int port, ReplyShape defaults, RequestLimit limit,
      UpstreamLatency latency, boolean http2) {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "fake-upstream", config(http2));
    FakeUpstream upstream = new FakeUpstream(defaults, system, limit, latency);
    return Http.get(system).newServerAt(host, port).bind(upstream::handle)
        .thenApply(binding -> new Running(system, binding.localAddress().getPort(), upstream.calls::get,
            upstream.tailCalls::get, upstream.thinking::get))
        .whenComplete((running, error) -> {
          if (error != null) system.terminate();
        });
  }

  public static void main(String[] args) {
    String host = "127.0.0.1";
    int port = 9100;
    int chunks = 16;
    long intervalMs = 0;
    long firstMs = 0;
    long rpm = 0;
    long latencyMs = 0;
    double tailShare = 0;
    long tailDelayMs = 0;
    long tailSeed = 1;
    boolean http2 = false;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--host" -> host = args[i + 1];
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--chunks" -> chunks = Integer.parseInt(args[i + 1]);
        case "--interval-ms" -> intervalMs = Long.parseLong(args[i + 1]);
        case "--first-ms" -> firstMs = Long.parseLong(args[i + 1]);
        case "--rpm" -> rpm = Long.parseLong(args[i + 1]);
        case "--latency-ms" -> latencyMs = Long.parseLong(args[i + 1]);
        case "--tail-share" -> tailShare = Double.parseDouble(args[i + 1]);
        case "--tail-delay-ms" -> tailDelayMs = Long.parseLong(args[i + 1]);
        case "--tail-seed" -> tailSeed = Long.parseLong(args[i + 1]);
        case "--http2" -> http2 = "on".equals(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    ReplyShape defaults = new ReplyShape(false, chunks, Duration.ofMillis(intervalMs), Duration.ofMillis(firstMs));
    RequestLimit limit = rpm > 0 ? new RequestLimit(rpm, System::nanoTime) : null;
    UpstreamLatency latency = new UpstreamLatency(Duration.ofMillis(latencyMs), tailShare,
        Duration.ofMillis(tailDelayMs), tailSeed);
    String shownHost = host;
    boolean h2c = http2;
    start(host, port, defaults, limit, latency, h2c).whenComplete((running, error) -> {
      if (error != null) {
        System.err.println("fake upstream: could not listen on " + shownHost + ": " + error.getMessage());
      } else {
        System.out.println("fake upstream listening on http://" + shownHost + ":" + running.port() + PATH
            + (limit == null ? "" : " enforcing " + limit.perMinute() + " requests per minute")
            + (h2c ? ", h2c too" : ""));
      }
    });
  }

  /** Many thousands of held connections, quiet logs, no server-side timeouts shorter than a long stream. */
  private static Config config(boolean http2) {
    return ConfigFactory.parseString((http2 ? "pekko.http.server.enable-http2 = on\n" : "") + """
        pekko.loglevel = WARNING
        pekko.http.server.max-connections = 100000
        pekko.http.server.backlog = 4096
        pekko.http.server.idle-timeout = 10 min
        pekko.http.server.request-timeout = 10 min
        pekko.http.server.server-header = fake-openai
        """).withFallback(ConfigFactory.load());
  }

  private CompletionStage<HttpResponse> handle(HttpRequest request) {
    if (!request.method().equals(HttpMethods.POST) || !request.getUri().path().equals(PATH)) {
      request.discardEntityBytes(materializer);
      return CompletableFuture.completedFuture(HttpResponse.create().withStatus(StatusCodes.NOT_FOUND));
    }
    // Small bodies usually arrive whole with the headers: answer without another trip through a stream.
    if (request.entity() instanceof HttpEntity.Strict strict) return answer(strict.getData());
    return request.entity().toStrict(10_000, materializer).thenCompose(s -> answer(s.getData()));
  }

  /** The answer to one call, after its think time ({@link UpstreamLatency}). */
  private CompletionStage<HttpResponse> answer(ByteString body) {
    ReplyShape shape;
    try {
      shape = ReplyShape.of(body.toArrayUnsafe(), MAPPER, defaults);
    } catch (java.io.IOException | IllegalArgumentException e) {
      return CompletableFuture.completedFuture(HttpResponse.create().withStatus(StatusCodes.BAD_REQUEST)
          .withEntity(ContentTypes.APPLICATION_JSON, "{\"error\":{\"message\":\"invalid request body\","
              + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"));
    }
    if (limit != null && !limit.tryAcquire()) return CompletableFuture.completedFuture(tooManyRequests());
    long call = calls.getAndIncrement();
    if (latency.inTail(call)) tailCalls.incrementAndGet();
    Duration wait = latency.delayOf(call);
    String id = "chatcmpl-bench" + (call + 1);
    if (shape.stream()) return CompletableFuture.completedFuture(stream(id, shape, wait));
    HttpResponse whole = HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON,
        replies.completion(id, shape.chunks()));
    // Held back as a whole, as a model that thinks before it answers; a client that gives up meanwhile
    // closes the connection, and the answer is dropped.
    if (wait.isZero()) return CompletableFuture.completedFuture(whole);
    thinking.incrementAndGet();
    return Patterns.after(wait, system, () -> {
      thinking.decrementAndGet();
      return CompletableFuture.completedFuture(whole);
    });
  }

  /** A stream of {@code shape}'s chunks whose first waits {@code wait} beyond the shape's own delay. */
  private HttpResponse stream(String id, ReplyShape shape, Duration wait) {
    Source<ByteString, ?> events = Source.range(0, shape.chunks() - 1)
        .map(i -> ByteString.fromArrayUnsafe(replies.chunkEvent(id, i, shape.chunks())));
    // A burst of one: throttle's automatic burst lets 100 ms worth of chunks through at once, which
    // would send the first ten chunks of a 10 ms stream back to back.
    if (!shape.interval().isZero()) events = events.throttle(1, shape.interval(), 1, ThrottleMode.shaping());
    Duration first = shape.firstChunkDelay().plus(wait);
    if (!first.isZero()) events = events.initialDelay(first);
    events = events.concat(Source.single(ByteString.fromString(FakeReplies.DONE_EVENT)));
    return HttpResponse.create().withEntity(
        HttpEntities.create(ContentTypes.create(MediaTypes.TEXT_EVENT_STREAM), events));
  }

  /** OpenAI's answer to a request over the account's requests-per-minute limit. */
  private HttpResponse tooManyRequests() {
    long limitPerMinute = limit.perMinute();
    return HttpResponse.create().withStatus(StatusCodes.TOO_MANY_REQUESTS)
        .addHeader(RawHeader.create("retry-after", Long.toString(limit.retryAfterSeconds())))
        .addHeader(RawHeader.create("x-ratelimit-limit-requests", Long.toString(limitPerMinute)))
        .withEntity(ContentTypes.APPLICATION_JSON, "{\"error\":{\"message\":\"Rate limit reached for requests per min"
            + " (RPM): Limit " + limitPerMinute + ".\",\"type\":\"requests\",\"param\":null,"
            + "\"code\":\"rate_limit_exceeded\"}}");
  }
}
