package io.switchboard.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
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
 * A fake OpenAI chat completions server for tests, started in-process on a random port. By default it
 * answers as OpenAI documents: a {@code chat.completion} JSON object, or {@code text/event-stream}
 * chunks ending in {@code data: [DONE]} (with a usage chunk when {@code stream_options.include_usage}
 * is set). Each test can swap in another behaviour: an error status, a stall, a stream that stops.
 *
 * <pre>{@code
 * @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
 * upstream.answer(FakeOpenAi.status(500, FakeOpenAi.envelope("The server had an error", "server_error")));
 * }</pre>
 */
public final class FakeOpenAi implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
  public static final String CONTENT = "Hello there!";
  public static final List<String> CONTENT_PIECES = List.of("Hello", " there", "!");

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** What the fake received: enough to check what the gateway forwarded. */
  public record Received(String path, String authorization, ByteString body) {
    public JsonNode json() {
      try {
        return MAPPER.readTree(body.toArray());
      } catch (java.io.IOException e) {
        throw new AssertionError("gateway sent a body that is not JSON: " + body.utf8String(), e);
      }
    }
  }

  private ActorSystem<Void> system;
  private ServerBinding binding;
  private volatile Function<Received, CompletionStage<HttpResponse>> behaviour;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicInteger mostActive = new AtomicInteger();
  private volatile CompletableFuture<Done> streamEnded = new CompletableFuture<>();

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "fake-openai");
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

  /** Back to OpenAI's documented answers, with nothing received; done before each test. */
  public void reset() {
    received.clear();
    active.set(0);
    mostActive.set(0);
    streamEnded = new CompletableFuture<>();
    behaviour = this::documented;
  }

  /** Base URL as a provider's {@code openai.base-url}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + binding.localAddress().getPort() + "/v1";
  }

  public void answer(Function<Received, CompletionStage<HttpResponse>> next) {
    behaviour = next;
  }

  public List<Received> received() {
    return new ArrayList<>(received);
  }

  /** Completes when a stream the fake was sending ended, by completion or by the client going away. */
  public CompletableFuture<Done> streamEnded() {
    return streamEnded;
  }

  private CompletionStage<HttpResponse> handle(HttpRequest request) {
    return request.entity().toStrict(5_000, system).thenCompose(strict -> {
      Received r = new Received(request.getUri().path(),
          request.getHeader("Authorization").map(h -> h.value()).orElse(null), strict.getData());
      received.add(r);
      mostActive.accumulateAndGet(active.incrementAndGet(), Math::max);
      return behaviour.apply(r).whenComplete((response, error) -> active.decrementAndGet());
    });
  }

  /** The most requests the fake was answering at the same moment since the test began. */
  public int mostConcurrentRequests() {
    return mostActive.get();
  }

  // ---- behaviours -------------------------------------------------------------------------------

  /** OpenAI's documented answer, JSON or SSE as the request asks. */
  public CompletionStage<HttpResponse> documented(Received r) {
    JsonNode json = r.json();
    String model = json.path("model").asText();
    if (json.path("stream").asBoolean(false)) {
      boolean usage = json.path("stream_options").path("include_usage").asBoolean(false);
      return done(sse(Source.from(chunks(model, usage))));
    }
    return done(ok(completion(model)));
  }

  public static Function<Received, CompletionStage<HttpResponse>> status(int status, String body, RawHeader... headers) {
    return r -> done(HttpResponse.create().withStatus(statusCode(status))
        .withEntity(ContentTypes.APPLICATION_JSON, body).addHeaders(List.of(headers)));
  }

  /** Any status, those no standard names too (460, 599): some upstreams and proxies answer with them. */
  public static StatusCode statusCode(int status) {
    return StatusCodes.lookup(status)
        .orElseGet(() -> StatusCodes.custom(status, "Nonstandard", "Nonstandard", false, true));
  }

  /** An SSE answer (200) of exactly these events. */
  public static Function<Received, CompletionStage<HttpResponse>> events(String... events) {
    return r -> done(HttpResponse.create().withEntity(HttpEntities.create(MediaTypes.TEXT_EVENT_STREAM.toContentType(),
        String.join("", events))));
  }

  public static Function<Received, CompletionStage<HttpResponse>> rawOk(String body) {
    return r -> done(HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, body));
  }

  /** OpenAI's documented answer, sent only after {@code delay}. */
  public Function<Received, CompletionStage<HttpResponse>> delayed(Duration delay) {
    return r -> Patterns.after(delay, system.classicSystem().scheduler(), system.executionContext(),
        () -> documented(r));
  }

  /** Never sends response headers. */
  public static Function<Received, CompletionStage<HttpResponse>> silence() {
    return r -> new CompletableFuture<>();
  }

  /** Sends the first stream chunk, then nothing, never ending. */
  public Function<Received, CompletionStage<HttpResponse>> stallAfterFirstChunk() {
    return r -> done(sse(Source.single(chunks(r.json().path("model").asText(), false).get(0))
        .concat(Source.<String>maybe().mapMaterializedValue(never -> NotUsed.getInstance()))));
  }

  /** Sends all content chunks, then ends without {@code data: [DONE]}. */
  public Function<Received, CompletionStage<HttpResponse>> streamWithoutDone() {
    return r -> {
      List<String> chunks = chunks(r.json().path("model").asText(), false);
      return done(sse(Source.from(chunks.subList(0, chunks.size() - 1))));
    };
  }

  /** Streams content chunks forever, one every {@code interval}, until the client goes away. */
  public Function<Received, CompletionStage<HttpResponse>> endlessStream(Duration interval) {
    return r -> {
      String chunk = chunks(r.json().path("model").asText(), false).get(1);
      return done(sse(Source.tick(Duration.ZERO, interval, chunk).mapMaterializedValue(c -> NotUsed.getInstance())));
    };
  }

  private HttpResponse sse(Source<String, NotUsed> events) {
    Source<ByteString, NotUsed> body = events.map(ByteString::fromString)
        .watchTermination((mat, done) -> {
          done.whenComplete((ok, error) -> streamEnded.complete(Done.getInstance()));
          return mat;
        });
    return HttpResponse.create()
        .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), body))
        .addHeader(RawHeader.create("x-request-id", "req_fake"));
  }

  private static HttpResponse ok(String json) {
    return HttpResponse.create()
        .withEntity(ContentTypes.APPLICATION_JSON, json)
        .addHeader(RawHeader.create("x-request-id", "req_fake"))
        .addHeader(RawHeader.create("openai-processing-ms", "12"));
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }

  // ---- OpenAI's documented wire shapes ----------------------------------------------------------

  public static String envelope(String message, String type) {
    return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":null}}";
  }

  static String completion(String model) {
    return """
        {
          "id": "chatcmpl-fake123",
          "object": "chat.completion",
          "created": 1741569952,
          "model": "%s",
          "choices": [
            {
              "index": 0,
              "message": {"role": "assistant", "content": "%s", "refusal": null, "annotations": []},
              "logprobs": null,
              "finish_reason": "stop"
            }
          ],
          "usage": {
            "prompt_tokens": 19,
            "completion_tokens": 10,
            "total_tokens": 29,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}
          },
          "service_tier": "default",
          "system_fingerprint": "fp_fake"
        }
        """.formatted(model, CONTENT);
  }

  /** The SSE events of one streamed answer, each a complete {@code data:} event with its blank line. */
  static List<String> chunks(String model, boolean includeUsage) {
    String head = "{\"id\":\"chatcmpl-fake123\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,"
        + "\"model\":\"" + model + "\",\"system_fingerprint\":\"fp_fake\",";
    String usageNull = includeUsage ? ",\"usage\":null" : "";
    List<String> events = new ArrayList<>();
    events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\","
        + "\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]" + usageNull + "}\n\n");
    for (String piece : CONTENT_PIECES) {
      events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + piece
          + "\"},\"logprobs\":null,\"finish_reason\":null}]" + usageNull + "}\n\n");
    }
    events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
        + "\"finish_reason\":\"stop\"}]" + usageNull + "}\n\n");
    if (includeUsage) {
      events.add("data: " + head + "\"choices\":[],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":3,"
          + "\"total_tokens\":22,\"prompt_tokens_details\":{\"cached_tokens\":0},"
          + "\"completion_tokens_details\":{\"reasoning_tokens\":0}}}\n\n");
    }
    events.add("data: [DONE]\n\n");
    return events;
  }
}
