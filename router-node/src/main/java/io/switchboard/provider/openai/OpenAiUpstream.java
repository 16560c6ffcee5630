package io.switchboard.provider.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.config.ProviderSettings;
import io.switchboard.provider.EmbeddingCall;
import io.switchboard.provider.EmbeddingInput;
import io.switchboard.provider.EmbeddingList;
import io.switchboard.provider.ResponsesCall;
import io.switchboard.provider.TextCompletionCall;
import io.switchboard.provider.Upstream;
import io.switchboard.provider.UpstreamCall;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamException.Kind;
import io.switchboard.provider.UpstreamHttp;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.provider.UpstreamSignals;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.Authorization;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.javadsl.FramingTruncation;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * An OpenAI-compatible upstream ({@code POST {base-url}/chat/completions}, and
 * {@code POST {base-url}/embeddings} for embedding models, {@code POST {base-url}/completions} where the
 * host has the legacy API, {@code POST {base-url}/responses} where it has the Responses API) over the
 * provider's own connection pool.
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
  /** An error told in the middle of a stream; passed to the client, so cleaned of credentials first. */
  private static final ByteString ERROR_EVENT = ByteString.fromString("data: {\"error\"");
  /** The Responses stream's failures, told the same way. */
  private static final ByteString ERROR_NAMED = ByteString.fromString("event: error");
  private static final ByteString FAILED_NAMED = ByteString.fromString("event: response.failed");

  private final ProviderSettings settings;
  private final ObjectMapper mapper;
  private final UpstreamHttp http;
  private final Uri endpoint;
  private final Uri embeddings;
  private final Uri completions;
  private final Uri responses;
  private final Optional<HttpHeader> authorization;
  private final ChunkCheck chunkCheck;

  public OpenAiUpstream(ActorSystem<?> system, ProviderSettings settings, ObjectMapper mapper, Clock clock) {
    this.settings = settings;
    this.mapper = mapper;
    this.http = new UpstreamHttp(system, settings, settings.openai().baseUrl(), false, clock);
    this.endpoint = Uri.create(settings.openai().baseUrl() + "/chat/completions");
    this.embeddings = Uri.create(settings.openai().baseUrl() + "/embeddings");
    this.completions = Uri.create(settings.openai().baseUrl() + "/completions");
    this.responses = Uri.create(settings.openai().baseUrl() + "/responses");
    this.authorization = settings.openai().apiKey().map(key -> Authorization.oauth2(key.reveal()));
    this.chunkCheck = new ChunkCheck(mapper.getFactory(), settings.id());
  }

  @Override
  public CompletionStage<UpstreamReply> send(UpstreamCall call) {
    HttpRequest request = UpstreamHttp.post(endpoint)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body(call)));
    if (authorization.isPresent()) request = request.addHeader(authorization.get());
    if (call.stream()) request = request.addHeader(RawHeader.create("Accept", "text/event-stream"));
    return http.send(request).thenCompose(resp -> UpstreamHttp.succeeded(resp)
        ? (call.stream() ? streaming(resp) : complete(resp))
        : errorStatus(resp));
  }

  @Override
  public EmbeddingSupport embeddings() {
    return EmbeddingSupport.TEXT_AND_TOKENS;
  }

  /**
   * {@code POST {base-url}/embeddings}, always asking for floats; the answer must list one vector per
   * input, or it is an {@link UpstreamException} (a 200 with the wrong count is not passed on).
   */
  @Override
  public CompletionStage<UpstreamReply> embed(EmbeddingCall call) {
    ObjectNode body = mapper.createObjectNode();
    body.put("model", call.upstreamModel());
    ArrayNode input = body.putArray("input");
    for (EmbeddingInput item : call.inputs()) {
      if (item instanceof EmbeddingInput.Text text) {
        input.add(text.text());
      } else {
        ArrayNode ids = input.addArray();
        for (int id : ((EmbeddingInput.Tokens) item).ids()) ids.add(id);
      }
    }
    body.put("encoding_format", "float");
    if (call.dimensions() != null) body.put("dimensions", call.dimensions());
    if (call.user() != null) body.put("user", call.user());
    HttpRequest request;
    try {
      request = UpstreamHttp.post(embeddings).withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
          mapper.writeValueAsBytes(body)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an embeddings request could not be written", e);
    }
    if (authorization.isPresent()) request = request.addHeader(authorization.get());
    return http.send(request).thenCompose(resp -> UpstreamHttp.succeeded(resp)
        ? http.body(resp).thenApply(answer -> {
          checkEmbeddings(answer, call.inputs().size());
          return (UpstreamReply) new UpstreamReply.Complete(answer, UpstreamSignals.of(http.signals(resp)),
              UpstreamHttp.requestId(resp));
        })
        : errorStatus(resp));
  }

  /** On only when the operator says this host has the legacy API ({@code openai.completions = on}). */
  @Override
  public boolean completesText() {
    return settings.openai().completions();
  }

  /**
   * {@code POST {base-url}/completions} with the client's bytes (the model renamed when needed): a whole
   * answer is checked as a chat completion's is (a JSON object with {@code choices}), a stream passed
   * through event by event.
   */
  @Override
  public CompletionStage<UpstreamReply> completeText(TextCompletionCall call) {
    ByteString body = call.forwardsOriginalBody() ? call.body() : renamed(call.body(), call.upstreamModel());
    HttpRequest request = UpstreamHttp.post(completions).withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body));
    if (authorization.isPresent()) request = request.addHeader(authorization.get());
    if (call.stream()) request = request.addHeader(RawHeader.create("Accept", "text/event-stream"));
    return http.send(request).thenCompose(resp -> UpstreamHttp.succeeded(resp)
        ? (call.stream() ? streaming(resp) : complete(resp))
        : errorStatus(resp));
  }

  /** On only when the operator says this host has the Responses API ({@code openai.responses-api = native}). */
  @Override
  public boolean servesResponses() {
    return settings.openai().nativeResponses();
  }

  /**
   * {@code POST {base-url}/responses}: a whole answer must be a JSON object with an {@code output} array
   * (else an {@link UpstreamException}, never a 200 with garbage); a stream is passed through event by
   * event, its {@code error} and {@code response.failed} events cleaned of credentials.
   */
  @Override
  public CompletionStage<UpstreamReply> respond(ResponsesCall call) {
    ObjectNode json = call.body().deepCopy();
    json.put("model", call.upstreamModel());
    HttpRequest request;
    try {
      request = UpstreamHttp.post(responses).withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
          mapper.writeValueAsBytes(json)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a Responses request could not be written", e);
    }
    if (authorization.isPresent()) request = request.addHeader(authorization.get());
    if (call.stream()) request = request.addHeader(RawHeader.create("Accept", "text/event-stream"));
    return http.send(request).thenCompose(resp -> {
      if (!UpstreamHttp.succeeded(resp)) return errorStatus(resp);
      if (call.stream()) return responseEvents(resp);
      return http.body(resp).thenApply(body -> {
        checkResponse(body);
        return (UpstreamReply) new UpstreamReply.Complete(body, UpstreamSignals.of(http.signals(resp)),
            UpstreamHttp.requestId(resp));
      });
    });
  }

  private void checkResponse(ByteString body) {
    if (body.isEmpty() || body.utf8String().isBlank()) {
      throw http.failure(Kind.EMPTY_RESPONSE, "Provider '" + settings.id() + "' answered 200 with an empty body.", null);
    }
    JsonNode json;
    try {
      json = mapper.readTree(body.toArrayUnsafe());
    } catch (java.io.IOException e) {
      throw http.malformed("200 and a body that is not valid JSON", e);
    }
    if (json == null || !json.path("output").isArray()) {
      throw http.malformed("200 and JSON that is not a Response (no 'output')", null);
    }
  }

  private CompletionStage<UpstreamReply> responseEvents(HttpResponse response) {
    Source<ByteString, NotUsed> events = http.frames(response, EVENT_END, FramingTruncation.DISALLOW)
        .map(event -> (startsWith(event, ERROR_NAMED) || startsWith(event, FAILED_NAMED) || startsWith(event, ERROR_EVENT)
            ? redacted(event) : event).concat(EVENT_END));
    return CompletableFuture.completedFuture(
        new UpstreamReply.Streaming(events, UpstreamSignals.of(http.signals(response)), UpstreamHttp.requestId(response)));
  }

  private ByteString renamed(ByteString body, String model) {
    try {
      ObjectNode json = (ObjectNode) mapper.readTree(body.toArrayUnsafe());
      json.put("model", model);
      return ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(json));
    } catch (java.io.IOException | ClassCastException e) {
      // The ingress read this body as a JSON object before it got here.
      throw new IllegalStateException("a request that was read once could not be read again", e);
    }
  }

  private void checkEmbeddings(ByteString body, int inputs) {
    if (body.isEmpty() || body.utf8String().isBlank()) {
      throw http.failure(Kind.EMPTY_RESPONSE, "Provider '" + settings.id() + "' answered 200 with an empty body.", null);
    }
    EmbeddingList list;
    try {
      list = EmbeddingList.read(mapper, body);
    } catch (IllegalArgumentException e) {
      throw http.malformed("200 and " + e.getMessage(), null);
    }
    if (list.vectors().size() != inputs) {
      throw http.malformed("200 and " + list.vectors().size() + " embeddings for " + inputs + " inputs", null);
    }
  }

  private ByteString body(UpstreamCall call) {
    // A call from the Anthropic ingress has no OpenAI bytes of the client's to forward, even when the model names match.
    if (call.forwardsOriginalBody()) return call.originalBody();
    try {
      return ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(call.request().withModel(call.upstreamModel())));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a decoded request could not be written again", e);
    }
  }

  private CompletionStage<UpstreamReply> complete(HttpResponse response) {
    return http.body(response).thenApply(body -> {
      checkChatCompletion(body);
      return new UpstreamReply.Complete(body, UpstreamSignals.of(http.signals(response)), UpstreamHttp.requestId(response));
    });
  }

  /**
   * Checks that a 2xx body is a whole JSON object with a top-level {@code choices} array. It scans
   * tokens without building a tree: every answer pays for this, and the bytes go to the client as
   * they are.
   */
  private void checkChatCompletion(ByteString body) {
    if (body.isEmpty() || body.utf8String().isBlank()) {
      throw http.failure(Kind.EMPTY_RESPONSE, "Provider '" + settings.id() + "' answered 200 with an empty body.", null);
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
      throw http.malformed("200 and a body that is not valid JSON", e);
    }
    if (!hasChoices) throw notACompletion(null);
  }

  private UpstreamException notACompletion(Throwable cause) {
    return http.malformed("200 and JSON that is not a completion (no 'choices')", cause);
  }

  private CompletionStage<UpstreamReply> streaming(HttpResponse response) {
    // A last event without its blank line fails the stream: a cut-short answer must not pass as complete.
    Source<ByteString, NotUsed> events =
        CheckedChunks.of(http.frames(response, EVENT_END, FramingTruncation.DISALLOW), chunkCheck, http);
    return CompletableFuture.completedFuture(
        new UpstreamReply.Streaming(events, UpstreamSignals.of(http.signals(response)), UpstreamHttp.requestId(response)));
  }

  private ByteString redacted(ByteString event) {
    return ByteString.fromString(http.redact(event.utf8String()));
  }

  private static boolean startsWith(ByteString event, ByteString prefix) {
    return event.length() >= prefix.length() && event.slice(0, prefix.length()).equals(prefix);
  }

  private CompletionStage<UpstreamReply> errorStatus(HttpResponse response) {
    return http.errorAnswer(response).thenApply(error -> {
      int status = error.status();
      Kind kind = Kind.ofStatus(status);
      String message = upstreamMessage(error.body())
          .map(m -> "Provider '" + settings.id() + "' answered HTTP " + status + ": " + m)
          .orElse("Provider '" + settings.id() + "' answered HTTP " + status + ".");
      throw new UpstreamException(kind, settings.id(), message, status, error.body(), error.retryAfter(), null)
          .withRequestId(UpstreamHttp.requestId(response));
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
}
