package io.switchboard.provider.ollama;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.ollama.ChatResponse;
import io.switchboard.api.ollama.ModelListing;
import io.switchboard.api.ollama.PullProgress;
import io.switchboard.api.ollama.PullRequest;
import io.switchboard.config.ProviderSettings;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamException.Kind;
import io.switchboard.provider.UpstreamHttp;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Model management on one Ollama server: which models are pulled ({@code /api/tags}) and loaded
 * ({@code /api/ps}), pulling one with its progress ({@code /api/pull}), and unloading one
 * ({@code /api/chat} with no messages and {@code keep_alive: 0}, as Ollama documents). Every failure is
 * an {@link UpstreamException}: a refused connection {@link Kind#UNAVAILABLE}, an error answer or an
 * {@code error} line in the pull's progress {@link Kind#SERVER_ERROR} (or the status Ollama gave).
 */
public final class OllamaAdmin {
  private static final ByteString LINE_END = ByteString.fromString("\n");

  private final ProviderSettings settings;
  private final ObjectMapper mapper;
  private final UpstreamHttp http;
  private final String baseUrl;

  public OllamaAdmin(ActorSystem<?> system, ProviderSettings settings, ObjectMapper mapper) {
    this.settings = settings;
    this.mapper = mapper;
    this.baseUrl = settings.ollama().baseUrl();
    this.http = new UpstreamHttp(system, settings, baseUrl, true);
  }

  public String provider() {
    return settings.id();
  }

  /** The models pulled on the server. */
  public CompletionStage<ModelListing> pulled() {
    return getListing("/api/tags");
  }

  /** The models loaded in memory now. */
  public CompletionStage<ModelListing> loaded() {
    return getListing("/api/ps");
  }

  /** Unloads {@code model} from memory at once; the answer's {@code done_reason} is {@code unload}. */
  public CompletionStage<ChatResponse> unload(String model) {
    String body = "{\"model\":" + quote(model) + ",\"messages\":[],\"keep_alive\":0}";
    return json(HttpRequest.POST(baseUrl + "/api/chat").withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
        body)), model).thenApply(node -> read(node, ChatResponse.class));
  }

  /**
   * Starts pulling {@code model}. The stage fails when Ollama refuses at once; otherwise the source
   * gives each progress line, and fails with an {@link UpstreamException} when a line says
   * {@code error} (a failed download, a full disk) or the stream ends before {@code success}.
   */
  public CompletionStage<Source<PullProgress, NotUsed>> pull(String model) {
    HttpRequest request = HttpRequest.POST(baseUrl + "/api/pull").withEntity(
        HttpEntities.create(ContentTypes.APPLICATION_JSON, write(new PullRequest(model, null, true))));
    return http.send(request).thenCompose(response -> {
      if (!UpstreamHttp.succeeded(response)) return failed(response, model);
      Source<PullProgress, NotUsed> progress = Source.lazySource(() -> {
        boolean[] succeeded = new boolean[1];
        PullProgress end = new PullProgress("end", null, null, null, null, null);
        return http.frames(response, LINE_END)
            .filter(line -> !line.utf8String().isBlank())
            .map(line -> {
              PullProgress p = readLine(line.utf8String());
              if (p.failed()) {
                throw new UpstreamException(Kind.SERVER_ERROR, settings.id(), "Pulling '" + model + "' on provider '"
                    + settings.id() + "' failed: " + http.redact(p.error()), 500, null, null, null);
              }
              if (p.succeeded()) succeeded[0] = true;
              return p;
            })
            .concat(Source.single(end))
            .filter(p -> {
              if (p != end) return true;
              if (!succeeded[0]) throw http.malformed("pull progress that ended before 'success'", null);
              return false;
            });
      }).mapMaterializedValue(ignored -> NotUsed.getInstance());
      return java.util.concurrent.CompletableFuture.completedFuture(progress);
    });
  }

  private CompletionStage<ModelListing> getListing(String path) {
    return json(HttpRequest.GET(baseUrl + path), null).thenApply(node -> read(node, ModelListing.class));
  }

  private CompletionStage<JsonNode> json(HttpRequest request, String model) {
    return http.send(request).thenCompose(response -> {
      if (!UpstreamHttp.succeeded(response)) return failed(response, model);
      return http.body(response).thenApply(body -> {
        try {
          JsonNode node = mapper.readTree(body.toArrayUnsafe());
          if (node == null || !node.isObject()) throw http.malformed("an answer that is not a JSON object", null);
          return node;
        } catch (java.io.IOException e) {
          throw http.malformed("an answer that is not valid JSON", e);
        }
      });
    });
  }

  private <T> CompletionStage<T> failed(HttpResponse response, String model) {
    return http.errorAnswer(response).thenApply(error -> {
      throw OllamaErrors.fromStatus(settings.id(), error.status(), error.body(), model == null ? "" : model,
          error.retryAfter());
    });
  }

  private PullProgress readLine(String line) {
    try {
      return mapper.readValue(line, PullProgress.class);
    } catch (java.io.IOException e) {
      throw http.malformed("a pull progress line that is not valid JSON", e);
    }
  }

  private <T> T read(JsonNode node, Class<T> type) {
    try {
      return mapper.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      throw http.malformed("an answer with fields of the wrong type", e);
    }
  }

  private String write(Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private String quote(String text) {
    return mapper.getNodeFactory().textNode(text).toString();
  }
}
