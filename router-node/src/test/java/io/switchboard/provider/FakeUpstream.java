package io.switchboard.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What every fake upstream shares, as a JUnit extension registered on the test class: an HTTP server
 * on a random loopback port for the whole class, every request it received, and the answer a test
 * swaps in; before each test it forgets what it received and answers as its provider documents
 * again. A subclass keeps only its provider's wire formats: which headers it records, its documented
 * answers, its stream framing and error bodies.
 *
 * <pre>{@code
 * @Tag("integration")
 * class RetriesTest {
 *   @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
 *   @RegisterExtension static final GatewayExtension gateways = new GatewayExtension();
 *
 *   @Test
 *   void upstream500_isRetried() {
 *     AtomicInteger calls = new AtomicInteger();
 *     upstream.answer(r -> calls.getAndIncrement() == 0
 *         ? FakeOpenAi.status(500, FakeOpenAi.envelope("The server had an error", "server_error")).apply(r)
 *         : upstream.documented(r));
 *     TestGateway gateway = gateways.start("""
 *         switchboard.providers.p { kind = openai, openai.base-url = "%s" }
 *         switchboard.models.m { provider = p, upstream-model = gpt-4o-mini }
 *         """.formatted(upstream.baseUrl()));
 *
 *     HttpResponse<String> response = gateway.post("/v1/chat/completions",
 *         "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
 *
 *     assertEquals(200, response.statusCode());
 *     assertEquals(2, upstream.received().size());
 *   }
 * }
 * }</pre>
 *
 * @param <R> what the fake records of each request: its path, the headers its API cares about, its body
 */
public abstract class FakeUpstream<R extends FakeUpstream.Request>
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A request as a fake recorded it. */
  public interface Request {
    String path();

    ByteString body();

    /** The body as JSON; fails the test when the gateway sent something else. */
    default JsonNode json() {
      try {
        return MAPPER.readTree(body().toArray());
      } catch (IOException e) {
        throw new AssertionError("gateway sent a body that is not JSON: " + body().utf8String(), e);
      }
    }
  }

  /** How a fake answers a request; a test swaps one in with {@link #answer}. */
  @FunctionalInterface
  public interface Answer<R> extends Function<R, CompletionStage<HttpResponse>> {}

  private final String name;
  private ActorSystem<Void> system;
  private ServerBinding binding;
  private volatile Function<R, CompletionStage<HttpResponse>> answer = this::documented;
  private final List<R> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicInteger mostActive = new AtomicInteger();
  private volatile CompletableFuture<Done> streamEnded = new CompletableFuture<>();

  /** @param name the fake's actor system, as it appears in the test log */
  protected FakeUpstream(String name) {
    this.name = name;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    system = ActorSystem.create(Behaviors.empty(), name);
    binding = Http.get(system).newServerAt("127.0.0.1", 0).bind(this::handle)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    system.terminate();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    reset();
  }

  /** Back to the provider's documented answers, with nothing received; done before each test. */
  public void reset() {
    received.clear();
    active.set(0);
    mostActive.set(0);
    streamEnded = new CompletableFuture<>();
    answer = this::documented;
  }

  /** Base URL as a provider's {@code base-url} setting names it. */
  public abstract String baseUrl();

  /** {@code http://127.0.0.1:<port>}, where the fake listens. */
  protected final String origin() {
    return "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  /** Answers every request from now on with {@code next}, until the next test or {@link #reset}. */
  public void answer(Function<R, CompletionStage<HttpResponse>> next) {
    answer = next;
  }

  /** Every request received since the test began, in order of arrival. */
  public List<R> received() {
    return new ArrayList<>(received);
  }

  /** The most requests the fake was answering at the same moment since the test began. */
  public int mostConcurrentRequests() {
    return mostActive.get();
  }

  /** Completes when a stream passed through {@link #reportingEnd} ended: it completed or the client went away. */
  public CompletableFuture<Done> streamEnded() {
    return streamEnded;
  }

  /** The provider's documented answer to {@code request}: what the fake answers unless a test swaps it. */
  public abstract CompletionStage<HttpResponse> documented(R request);

  /** What the fake keeps of a request: its path, the headers the provider's API reads, its body. */
  protected abstract R record(HttpRequest request, ByteString body);

  /** Answers a recorded request with the test's answer; a fake whose API checks something first overrides this. */
  protected CompletionStage<HttpResponse> respond(R request) {
    return answer.apply(request);
  }

  private CompletionStage<HttpResponse> handle(HttpRequest request) {
    return request.entity().toStrict(5_000, system).thenCompose(strict -> {
      R r = record(request, strict.getData());
      received.add(r);
      mostActive.accumulateAndGet(active.incrementAndGet(), Math::max);
      return respond(r).whenComplete((response, error) -> active.decrementAndGet());
    });
  }

  // ---- answers any provider gives ---------------------------------------------------------------

  /** A JSON body with this status, e.g. the provider's error envelope. */
  public static <R> Answer<R> status(int status, String body, RawHeader... headers) {
    return r -> done(HttpResponse.create().withStatus(statusCode(status))
        .withEntity(ContentTypes.APPLICATION_JSON, body).addHeaders(List.of(headers)));
  }

  /** 200 with exactly this body, however malformed. */
  public static <R> Answer<R> rawOk(String body) {
    return r -> done(HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, body));
  }

  /** Never sends response headers. */
  public static <R> Answer<R> silence() {
    return r -> new CompletableFuture<>();
  }

  /** The documented answer, sent only after {@code delay}. */
  public Answer<R> delayed(Duration delay) {
    return r -> Patterns.after(delay, system.classicSystem().scheduler(), system.executionContext(),
        () -> documented(r));
  }

  /** {@code answer}, sent only after {@code delay}: a slow upstream, whatever it says in the end. */
  public Answer<R> delayed(Duration delay, Function<R, CompletionStage<HttpResponse>> answer) {
    return r -> Patterns.after(delay, system.classicSystem().scheduler(), system.executionContext(),
        () -> answer.apply(r));
  }

  // ---- for subclasses ---------------------------------------------------------------------------

  /** {@code stream}, completing {@link #streamEnded} when it ends for whatever reason. */
  protected final <T> Source<T, NotUsed> reportingEnd(Source<T, NotUsed> stream) {
    return stream.watchTermination((mat, done) -> {
      done.whenComplete((ok, error) -> streamEnded.complete(Done.getInstance()));
      return mat;
    });
  }

  /** {@code items}, then nothing, never ending: an upstream that stalls mid-stream. */
  protected static <T> Source<T, NotUsed> thenSilence(Source<T, NotUsed> items) {
    return items.concat(Source.<T>maybe().mapMaterializedValue(never -> NotUsed.getInstance()));
  }

  /**
   * A stream that fails a moment after it is reached: the server then breaks the connection off
   * without the body's last chunk. The moment lets what came before reach the client; a reset that
   * follows the data at once makes the receiving kernel drop it.
   */
  protected static <T> Source<T, NotUsed> crash() {
    return Source.lazySource(() -> {
      CompletableFuture<T> crash = new CompletableFuture<>();
      CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS)
          .execute(() -> crash.completeExceptionally(new IllegalStateException("upstream crashed mid-stream")));
      return Source.completionStage(crash);
    }).mapMaterializedValue(ignored -> NotUsed.getInstance());
  }

  /** Items sent one every {@code interval}, forever, until the client goes away. */
  protected static <T> Source<T, NotUsed> every(Duration interval, T item) {
    return Source.tick(Duration.ZERO, interval, item).mapMaterializedValue(c -> NotUsed.getInstance());
  }

  protected static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }

  /** Pekko knows no 529; Anthropic sends it for {@code overloaded_error}. */
  private static StatusCode statusCode(int status) {
    return StatusCodes.lookup(status)
        .orElseGet(() -> StatusCodes.custom(status, "Overloaded", "Overloaded", false, true));
  }
}
