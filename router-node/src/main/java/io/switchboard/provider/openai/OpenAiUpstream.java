package io.switchboard.provider.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.config.ProviderSettings;
import io.switchboard.provider.UpstreamCall;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamException.Kind;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.provider.Upstream;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.ratelimit.RateLimitSignals;
import java.time.Clock;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.Authorization;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.settings.ClientConnectionSettings;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Framing;
import org.apache.pekko.stream.javadsl.FramingTruncation;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * An OpenAI-compatible upstream ({@code POST {base-url}/chat/completions}) over the provider's own
 * connection pool.
 *
 * <p>When the client asked for the model by the upstream's own name, the client's bytes are forwarded
 * as they are; otherwise the decoded request (which keeps unknown fields) is written again with the
 * upstream's model name. Answers are checked before they reach the client: a 2xx that is empty or not
 * a chat completion becomes an {@link UpstreamException}, never a 200 with garbage.
 *
 * <p>The pool opens at most {@code connection-pool.max-connections} connections and queues no more
 * requests than the provider admits at once, so the actor's in-flight limit, not the pool, is what
 * makes callers wait. The pool never retries on its own: retrying is a routing decision.
 */
public final class OpenAiUpstream implements Upstream {
  private static final ByteString EVENT_END = ByteString.fromString("\n\n");
  private static final int MAX_ERROR_BODY = 64 * 1024;

  private final ProviderSettings settings;
  private final Clock clock;
  private final ObjectMapper mapper;
  private final Http http;
  private final HttpsConnectionContext https;
  private final ConnectionPoolSettings pool;
  private final LoggingAdapter log;
  private final Materializer materializer;
  private final String endpoint;
  private final Optional<HttpHeader> authorization;

  public OpenAiUpstream(ActorSystem<?> system, ProviderSettings settings, ObjectMapper mapper, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.mapper = mapper;
    this.http = Http.get(system);
    this.https = http.defaultClientHttpsContext();
    this.log = system.classicSystem().log();
    this.materializer = Materializer.matFromSystem(system);
    this.endpoint = settings.openai().baseUrl() + "/chat/completions";
    this.authorization = settings.openai().apiKey().map(key -> Authorization.oauth2(key.reveal()));
    this.pool = ConnectionPoolSettings.create(system.classicSystem())
        .withMaxConnections(settings.maxConnections())
        .withMaxOpenRequests(nextPowerOfTwo(Math.max(settings.maxInFlight(), settings.maxConnections())))
        .withMaxRetries(0)
        .withConnectionSettings(ClientConnectionSettings.create(system.classicSystem())
            .withConnectingTimeout(settings.timeouts().connect()));
  }

  @Override
  public CompletionStage<UpstreamReply> send(UpstreamCall call) {
    HttpRequest request = HttpRequest.POST(endpoint)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body(call)));
    if (authorization.isPresent()) request = request.addHeader(authorization.get());
    if (call.stream()) request = request.addHeader(RawHeader.create("Accept", "text/event-stream"));

    Duration firstByte = settings.timeouts().firstByte();
    CompletableFuture<HttpResponse> response = http.singleRequest(request, https, pool, log).toCompletableFuture();
    return response.copy()
        .orTimeout(firstByte.toMillis(), TimeUnit.MILLISECONDS)
        .handle((resp, error) -> {
          if (error == null) return resp;
          Throwable cause = unwrap(error);
          if (cause instanceof TimeoutException) {
            // The answer may still come: drain it so the pooled connection is not held forever.
            response.thenAccept(late -> late.discardEntityBytes(materializer));
            throw failure(Kind.TIMEOUT, "Provider '" + settings.id() + "' sent no response headers within "
                + firstByte.toMillis() + " ms (timeouts.first-byte).", cause);
          }
          throw connectionFailure(cause);
        })
        .thenCompose(resp -> resp.status().isSuccess()
            ? (call.stream() ? streaming(resp) : complete(resp))
            : errorStatus(resp));
  }

  private ByteString body(UpstreamCall call) {
    if (call.forwardsOriginalBody()) return call.originalBody();
    try {
      return ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(call.request().withModel(call.upstreamModel())));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a decoded request could not be written again", e);
    }
  }

  private CompletionStage<UpstreamReply> complete(HttpResponse response) {
    Duration total = settings.timeouts().total();
    return response.entity().toStrict(total.toMillis(), materializer)
        .handle((strict, error) -> {
          if (error != null) {
            Throwable cause = unwrap(error);
            if (cause instanceof TimeoutException) {
              throw failure(Kind.TIMEOUT, "Provider '" + settings.id() + "' did not finish its answer within "
                  + total.toMillis() + " ms (timeouts.total).", cause);
            }
            throw connectionFailure(cause);
          }
          ByteString body = strict.getData();
          checkChatCompletion(body);
          return (UpstreamReply) new UpstreamReply.Complete(body, UpstreamSignals.of(signals(response)));
        });
  }

  /**
   * Checks that a 2xx body is a whole JSON object with a top-level {@code choices} array. It scans
   * tokens without building a tree: every answer pays for this, and the bytes go to the client as
   * they are.
   */
  private void checkChatCompletion(ByteString body) {
    if (body.isEmpty() || body.utf8String().isBlank()) {
      throw failure(Kind.EMPTY_RESPONSE, "Provider '" + settings.id() + "' answered 200 with an empty body.", null);
    }
    boolean hasChoices = false;
    try (JsonParser parser = mapper.getFactory().createParser(body.toArrayUnsafe())) {
      if (parser.nextToken() != JsonToken.START_OBJECT) throw notACompletion(null);
      for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
        boolean choices = "choices".equals(parser.currentName());
        JsonToken value = parser.nextToken();
        if (choices && value == JsonToken.START_ARRAY) hasChoices = true;
        parser.skipChildren();
      }
      if (parser.nextToken() != null) throw notACompletion(null);
    } catch (java.io.IOException e) {
      throw failure(Kind.MALFORMED_RESPONSE,
          "Provider '" + settings.id() + "' answered 200 with a body that is not valid JSON.", e);
    }
    if (!hasChoices) throw notACompletion(null);
  }

  private UpstreamException notACompletion(Throwable cause) {
    return failure(Kind.MALFORMED_RESPONSE,
        "Provider '" + settings.id() + "' answered 200 with JSON that is not a chat completion (no 'choices').",
        cause);
  }

  private CompletionStage<UpstreamReply> streaming(HttpResponse response) {
    Duration idle = settings.timeouts().streamIdle();
    Source<ByteString, NotUsed> events = response.entity().getDataBytes()
        .via(Framing.delimiter(EVENT_END, settings.maxStreamEvent(), FramingTruncation.DISALLOW))
        .map(event -> event.concat(EVENT_END))
        .idleTimeout(idle)
        .mapError(TimeoutException.class, e -> failure(Kind.TIMEOUT, "Provider '" + settings.id()
            + "' sent nothing for " + idle.toMillis() + " ms in the middle of a stream (timeouts.stream-idle).", e))
        .mapError(Throwable.class, e -> e instanceof UpstreamException ? e : connectionFailure(e))
        .mapMaterializedValue(ignored -> NotUsed.getInstance());
    return CompletableFuture.completedFuture(new UpstreamReply.Streaming(events, UpstreamSignals.of(signals(response))));
  }

  private CompletionStage<UpstreamReply> errorStatus(HttpResponse response) {
    int status = response.status().intValue();
    Duration retryAfter = signals(response).pause().orElse(null);
    return response.entity().toStrict(settings.timeouts().total().toMillis(), materializer)
        .handle((strict, error) -> {
          String body = error == null ? truncate(strict.getData().utf8String()) : null;
          Kind kind = status == 401 || status == 403 ? Kind.REJECTED_CREDENTIALS
              : status == 429 ? Kind.RATE_LIMITED
              : status >= 500 ? Kind.SERVER_ERROR
              : Kind.REQUEST_REJECTED;
          String message = upstreamMessage(body)
              .map(m -> "Provider '" + settings.id() + "' answered HTTP " + status + ": " + m)
              .orElse("Provider '" + settings.id() + "' answered HTTP " + status + ".");
          throw new UpstreamException(kind, settings.id(), message, status, body, retryAfter, null);
        });
  }

  /** The {@code error.message} of an OpenAI error envelope, when the body is one. */
  private Optional<String> upstreamMessage(String body) {
    if (body == null || body.isBlank()) return Optional.empty();
    try {
      JsonNode message = mapper.readTree(body).path("error").path("message");
      return message.isTextual() ? Optional.of(message.asText()) : Optional.empty();
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }

  private UpstreamException connectionFailure(Throwable cause) {
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    if (isConnectTimeout(cause)) {
      return failure(Kind.TIMEOUT, "Provider '" + settings.id() + "': could not connect to "
          + settings.openai().baseUrl() + " within " + settings.timeouts().connect().toMillis()
          + " ms (timeouts.connect).", cause);
    }
    String what = hasCause(cause, UnknownHostException.class)
        ? "could not resolve the host of " + settings.openai().baseUrl()
        : "connection to " + settings.openai().baseUrl() + " failed: " + root.getMessage();
    return failure(Kind.CONNECTION_FAILED, "Provider '" + settings.id() + "': " + what, cause);
  }

  private UpstreamException failure(Kind kind, String message, Throwable cause) {
    return new UpstreamException(kind, settings.id(), message, 0, null, null, cause);
  }

  /** What the upstream's headers say about its rate limits (Retry-After, x-ratelimit-*). */
  private RateLimitSignals signals(HttpResponse response) {
    return RateLimitSignals.parse(name -> response.getHeader(name).map(HttpHeader::value), clock.millis());
  }

  private static String truncate(String body) {
    return body.length() <= MAX_ERROR_BODY ? body : body.substring(0, MAX_ERROR_BODY);
  }

  /** Pekko's TCP layer reports an expired connecting timeout as a failed Connect command. */
  private static boolean isConnectTimeout(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("Connect timeout")) return true;
    }
    return false;
  }

  private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (type.isInstance(t)) return true;
    }
    return false;
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  private static int nextPowerOfTwo(int n) {
    return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
  }

}
