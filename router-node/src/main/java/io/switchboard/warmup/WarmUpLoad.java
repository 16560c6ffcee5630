package io.switchboard.warmup;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;

/**
 * The client side of a warm-up: creates a key through the throwaway gateway's admin API, then sends
 * its requests in rounds, {@code concurrency} at a time over kept-alive connections, cycling through what
 * clients send most: OpenAI chat completions and Anthropic messages, plain and streamed, each to a model
 * on an OpenAI provider and to one on an Anthropic provider. Every answer is read to its end, as a client would.
 */
final class WarmUpLoad {
  /** Rounds the requests are sent in; the last one's pace is what the node reaches once warm. */
  static final int ROUNDS = 5;

  private static final String PROMPT = "[{\"role\":\"user\",\"content\":\"Say: warm up done.\"}]";

  /** A chat completion for {@code model}, plain or streamed with the usage chunk asked for. */
  private static String chat(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"max_tokens\":16," + (stream
        ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "") + "\"messages\":" + PROMPT + "}";
  }

  /** An Anthropic message for {@code model}, plain or streamed. */
  private static String message(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"max_tokens\":16," + (stream ? "\"stream\":true," : "")
        + "\"messages\":" + PROMPT + "}";
  }

  /**
   * The bodies sent in turn: each dialect to each provider kind, so both translations and both
   * pass-throughs run, plain and streamed.
   */
  private static final List<String> CHAT = List.of(chat(WarmUp.MODEL, false), chat(WarmUp.MODEL, true),
      chat(WarmUp.ANTHROPIC_MODEL, false), chat(WarmUp.ANTHROPIC_MODEL, true));
  private static final List<String> MESSAGES = List.of(message(WarmUp.MODEL, false), message(WarmUp.MODEL, true),
      message(WarmUp.ANTHROPIC_MODEL, false), message(WarmUp.ANTHROPIC_MODEL, true));

  private final String base;
  private final Http http;
  private final HttpsConnectionContext https;
  private final ConnectionPoolSettings pool;
  private final LoggingAdapter log;
  private final Materializer materializer;
  private final ObjectMapper mapper;
  private final WarmUp.Progress progress;

  WarmUpLoad(ActorSystem<?> system, InetSocketAddress gateway, int concurrency, ObjectMapper mapper,
      WarmUp.Progress progress) {
    this.base = "http://127.0.0.1:" + gateway.getPort();
    this.http = Http.get(system);
    this.https = http.defaultClientHttpsContext();
    this.pool = ConnectionPoolSettings.create(system.classicSystem())
        .withMaxConnections(concurrency)
        .withMaxOpenRequests(Integer.highestOneBit(Math.max(1, concurrency) * 2) * 2)
        .withMaxRetries(0);
    this.log = system.classicSystem().log();
    this.materializer = Materializer.matFromSystem(system);
    this.mapper = mapper;
    this.progress = progress;
  }

  /** Creates the key, then sends {@code requests} requests; completes when every answer was read. */
  CompletionStage<Void> run(String adminKey, int requests, int concurrency) {
    return createKey(adminKey).thenCompose(key -> rounds(key, requests, concurrency));
  }

  private CompletionStage<String> createKey(String adminKey) {
    HttpRequest create = HttpRequest.create(base + "/admin/keys").withMethod(HttpMethods.POST)
        .addHeader(RawHeader.create("Authorization", "Bearer " + adminKey))
        .withEntity(ContentTypes.APPLICATION_JSON, "{\"name\":\"warm-up\"}");
    return http.singleRequest(create, https, pool, log)
        .thenCompose(response -> response.entity().toStrict(10_000, materializer).thenApply(body -> {
          if (response.status().intValue() != 201) {
            throw new IllegalStateException("creating the warm-up key answered " + response.status().intValue());
          }
          try {
            return mapper.readTree(body.getData().toArray()).path("key").asText();
          } catch (java.io.IOException e) {
            throw new IllegalStateException("the warm-up key's answer is not JSON", e);
          }
        }));
  }

  private CompletionStage<Void> rounds(String key, int requests, int concurrency) {
    int size = Math.max(Math.min(concurrency, requests), (requests + ROUNDS - 1) / ROUNDS);
    CompletionStage<Void> all = CompletableFuture.completedFuture(null);
    for (int start = 0; start < requests; start += size) {
      int count = Math.min(size, requests - start);
      all = all.thenCompose(done -> round(key, count, concurrency));
    }
    return all;
  }

  private CompletionStage<Void> round(String key, int count, int concurrency) {
    long started = System.nanoTime();
    AtomicInteger next = new AtomicInteger();
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    for (int i = 0; i < Math.min(concurrency, count); i++) {
      workers.add(worker(key, next, count).toCompletableFuture());
    }
    return CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new))
        .thenRun(() -> progress.roundDone(count, Duration.ofNanos(System.nanoTime() - started)));
  }

  /** Sends one request after another until the round's count is taken. */
  private CompletionStage<Void> worker(String key, AtomicInteger next, int count) {
    int n = next.getAndIncrement();
    if (n >= count) return CompletableFuture.completedFuture(null);
    progress.sent();
    int kind = progress.kind();
    return http.singleRequest(request(key, kind), https, pool, log)
        .thenCompose(response -> response.entity().getDataBytes()
            .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), materializer)
            .thenApply(body -> {
              int status = response.status().intValue();
              return status == 200 && !whole(kind, body.utf8String()) ? WarmUp.Progress.INCOMPLETE : status;
            }))
        .handle((status, error) -> {
          progress.answered(error == null ? status : 0);
          return null;
        })
        .thenCompose(done -> worker(key, next, count));
  }

  /**
   * Whether an answer is whole as its dialect ends one: a stream with its end marker, an answer with its
   * usage. A gateway that breaks mid-stream has already said 200.
   */
  private static boolean whole(int kind, String body) {
    boolean anthropic = kind % 8 >= 4;
    boolean stream = kind % 2 == 1;
    if (!stream) return body.contains("\"usage\"");
    return anthropic ? body.contains("event: message_stop\ndata: {\"type\":\"message_stop\"}")
        : body.stripTrailing().endsWith("data: [DONE]");
  }

  /** The {@code kind}th request: the chat completions in turn, then the Anthropic messages in turn. */
  private HttpRequest request(String key, int kind) {
    boolean anthropic = kind % 8 >= 4;
    String body = (anthropic ? MESSAGES : CHAT).get(kind % 4);
    HttpRequest request = HttpRequest.create(base + (anthropic ? "/v1/messages" : "/v1/chat/completions"))
        .withMethod(HttpMethods.POST)
        .withEntity(ContentTypes.APPLICATION_JSON, body);
    return anthropic
        ? request.addHeader(RawHeader.create("x-api-key", key)).addHeader(RawHeader.create("anthropic-version", "2023-06-01"))
        : request.addHeader(RawHeader.create("Authorization", "Bearer " + key));
  }
}
