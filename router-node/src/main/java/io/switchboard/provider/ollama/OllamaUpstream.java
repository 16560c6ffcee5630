package io.switchboard.provider.ollama;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.ollama.ChatResponse;
import io.switchboard.api.openai.ChatCompletionChunk;
import io.switchboard.api.openai.ErrorResponse;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.config.ProviderSettings;
import io.switchboard.provider.EmbeddingCall;
import io.switchboard.provider.EmbeddingInput;
import io.switchboard.provider.EmbeddingList;
import io.switchboard.provider.StreamEnds;
import io.switchboard.provider.StreamFault;
import io.switchboard.provider.UntranslatableRequestException;
import io.switchboard.provider.Upstream;
import io.switchboard.provider.UpstreamCall;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamException.Kind;
import io.switchboard.provider.UpstreamHttp;
import io.switchboard.provider.UpstreamReply;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * An Ollama server's native chat API ({@code POST {base-url}/api/chat}) behind the OpenAI dialect.
 *
 * <p>Each call is translated ({@link OpenAiToOllamaRequest}); the answer, one JSON object or
 * newline-delimited JSON lines, is translated into a {@code chat.completion} or OpenAI chunks ending
 * in {@code [DONE]}. A model the server has not pulled is a 404 {@code model_not_found} that says how
 * to pull it; a server that refuses connections is {@link Kind#UNAVAILABLE} (503); an {@code error}
 * line in the middle of a stream ends it with that error; an empty or malformed answer, or a stream
 * that stops before its {@code done} line, is an {@link UpstreamException}.
 */
public final class OllamaUpstream implements Upstream {
  private static final ByteString LINE_END = ByteString.fromString("\n");
  private static final ByteString EVENT_END = ByteString.fromString("\n\n");

  private final ProviderSettings settings;
  private final ObjectMapper mapper;
  private final Clock clock;
  private final UpstreamHttp http;
  private final Uri endpoint;
  private final Uri embedEndpoint;

  public OllamaUpstream(ActorSystem<?> system, ProviderSettings settings, ObjectMapper mapper, Clock clock) {
    this.settings = settings;
    this.mapper = mapper;
    this.clock = clock;
    this.http = new UpstreamHttp(system, settings, settings.ollama().baseUrl(), true);
    this.endpoint = Uri.create(settings.ollama().baseUrl() + "/api/chat");
    this.embedEndpoint = Uri.create(settings.ollama().baseUrl() + "/api/embed");
  }

  @Override
  public CompletionStage<UpstreamReply> send(UpstreamCall call) {
    Object body;
    try {
      body = OpenAiToOllamaRequest.translate(call.request(), call.upstreamModel(), null);
    } catch (UntranslatableRequestException e) {
      return CompletableFuture.failedFuture(refused(e));
    }
    HttpRequest request = UpstreamHttp.post(endpoint)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, json(body)));
    return http.send(request).thenCompose(response -> {
      if (!UpstreamHttp.succeeded(response)) {
        return http.errorAnswer(response).thenApply(error -> {
          throw OllamaErrors.fromStatus(settings.id(), error.status(), error.body(), call.upstreamModel(),
              error.retryAfter());
        });
      }
      return call.stream() ? streaming(response, call) : complete(response);
    });
  }

  @Override
  public EmbeddingSupport embeddings() {
    return EmbeddingSupport.TEXT;
  }

  /**
   * {@code POST /api/embed} ({@code {"model", "input": [texts], "dimensions"?}}); its answer
   * ({@code {"model", "embeddings": [[...]], "prompt_eval_count"}}) becomes OpenAI's embedding list,
   * with one vector per input or an {@link UpstreamException}.
   */
  @Override
  public CompletionStage<UpstreamReply> embed(EmbeddingCall call) {
    ObjectNode body = mapper.createObjectNode();
    body.put("model", call.upstreamModel());
    ArrayNode input = body.putArray("input");
    for (EmbeddingInput item : call.inputs()) input.add(((EmbeddingInput.Text) item).text());
    if (call.dimensions() != null) body.put("dimensions", call.dimensions());
    HttpRequest request = UpstreamHttp.post(embedEndpoint)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, json(body)));
    return http.send(request).thenCompose(response -> {
      if (!UpstreamHttp.succeeded(response)) {
        return http.errorAnswer(response).thenApply(error -> {
          throw OllamaErrors.fromStatus(settings.id(), error.status(), error.body(), call.upstreamModel(),
              error.retryAfter());
        });
      }
      return http.body(response).thenApply(answer -> embeddings(answer, call));
    });
  }

  private UpstreamReply embeddings(ByteString body, EmbeddingCall call) {
    JsonNode tree;
    try {
      tree = body.isEmpty() ? null : mapper.readTree(body.toArrayUnsafe());
    } catch (java.io.IOException e) {
      throw http.malformed("a body that is not valid JSON", e);
    }
    if (tree == null || !tree.path("embeddings").isArray()) {
      throw http.malformed("JSON that is not an embed answer (no \"embeddings\" array)", null);
    }
    JsonNode embeddings = tree.path("embeddings");
    if (embeddings.size() != call.inputs().size()) {
      throw http.malformed(embeddings.size() + " embeddings for " + call.inputs().size() + " inputs", null);
    }
    List<float[]> vectors = new ArrayList<>(embeddings.size());
    for (JsonNode embedding : embeddings) {
      if (!embedding.isArray()) throw http.malformed("an embedding that is not an array", null);
      float[] vector = new float[embedding.size()];
      for (int i = 0; i < vector.length; i++) vector[i] = embedding.get(i).floatValue();
      vectors.add(vector);
    }
    JsonNode counted = tree.path("prompt_eval_count");
    EmbeddingList list = new EmbeddingList(vectors, tree.path("model").asText(call.upstreamModel()),
        counted.isInt() ? counted.intValue() : null);
    return new UpstreamReply.Complete(list.toJson(mapper));
  }

  private CompletionStage<UpstreamReply> complete(HttpResponse response) {
    return http.body(response).thenApply(body -> {
      if (body.isEmpty() || body.utf8String().isBlank()) {
        throw http.failure(Kind.EMPTY_RESPONSE, "Provider '" + settings.id() + "' answered 200 with an empty body.",
            null);
      }
      ChatResponse answer = line(body.utf8String());
      if (!answer.done()) throw http.malformed("an answer that is not done (\"done\": false without streaming)", null);
      long now = clock.instant().getEpochSecond();
      return new UpstreamReply.Complete(json(OllamaToOpenAiResponse.translate(answer, newId(), now)));
    });
  }

  private CompletionStage<UpstreamReply> streaming(HttpResponse response, UpstreamCall call) {
    Source<ByteString, NotUsed> lines = http.frames(response, LINE_END)
        .filter(line -> !line.utf8String().isBlank());
    Source<ByteString, NotUsed> events = StreamEnds.translated(http, lines,
        () -> new OllamaToOpenAiStream(newId(), call.request().includeUsage(), clock.instant().getEpochSecond()),
        this::translate, OllamaToOpenAiStream::finished, stream -> List.of(), "a stream that ended before its \"done\": true line");
    return CompletableFuture.completedFuture(new UpstreamReply.Streaming(events));
  }

  private List<ByteString> translate(ByteString line, OllamaToOpenAiStream stream) {
    ChatResponse parsed;
    try {
      parsed = line(line.utf8String());
    } catch (UpstreamException e) {
      // Mid-stream, a line that is not a chat answer is told as a malformed event.
      if (e.kind() != Kind.MALFORMED_RESPONSE || e.streamFault().isPresent()) throw e;
      throw http.inStream(StreamFault.MALFORMED_EVENT, e.getMessage(), e.getCause());
    }
    List<ByteString> out = new ArrayList<>();
    for (ChatCompletionChunk chunk : stream.next(parsed)) {
      out.add(ByteString.fromString("data: ").concat(json(chunk)).concat(EVENT_END));
    }
    return out;
  }

  /** One answer or stream line; an {@code {"error": ...}} line is the server giving up. */
  private ChatResponse line(String text) {
    JsonNode tree;
    try {
      tree = mapper.readTree(text);
    } catch (java.io.IOException e) {
      throw http.malformed("a line that is not valid JSON", e);
    }
    if (tree == null || !tree.isObject()) throw http.malformed("JSON that is not an object", null);
    if (tree.hasNonNull("error")) {
      throw OllamaErrors.fromStreamLine(settings.id(), http.redact(tree.get("error").asText()));
    }
    if (!tree.has("done") || !tree.has("message")) {
      throw http.malformed("JSON that is not a chat answer (no \"message\" and \"done\")", null);
    }
    try {
      return mapper.treeToValue(tree, ChatResponse.class);
    } catch (JsonProcessingException e) {
      throw http.malformed("a chat answer with fields of the wrong type", e);
    }
  }

  private static String newId() {
    return "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
  }

  private UpstreamException refused(UntranslatableRequestException e) {
    String envelope = json(ErrorResponse.of(e.getMessage(), "invalid_request_error", e.param(),
        "unsupported_parameter")).utf8String();
    return new UpstreamException(Kind.REQUEST_REJECTED, settings.id(), e.getMessage(), 400, envelope, null, e);
  }

  private ByteString json(Object value) {
    try {
      return ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a translated body could not be written", e);
    }
  }
}
