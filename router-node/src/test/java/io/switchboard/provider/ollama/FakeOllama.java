package io.switchboard.provider.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.provider.FakeUpstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArraySet;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * A fake Ollama server for tests, in-process on a random loopback port, answering as Ollama's API
 * documentation shows: {@code POST /api/chat} streams newline-delimited JSON ({@code
 * application/x-ndjson}) unless {@code "stream": false}, ending with a {@code done} line that carries
 * the counts and durations; a model that is not pulled gets 404 {@code {"error": "model \"x\" not
 * found, try pulling it first"}}; {@code GET /api/tags} lists the pulled models. When tools are offered
 * and the last message is not a tool result, the answer calls one. Its lifecycle, recorded requests and
 * generic answers ({@code status}, {@code rawOk}, {@code silence}, {@code delayed}) are
 * {@link FakeUpstream}'s.
 *
 * <pre>{@code
 * @RegisterExtension static final FakeOllama ollama = new FakeOllama("llama3.2:latest");
 *
 * @Test
 * void aModelNotPulled_is404() {
 *   // start a gateway on ollama.baseUrl() with a model "mistral" that is not pulled, send, assert
 *   assertEquals("/api/chat", ollama.received().get(0).path());
 * }
 * }</pre>
 */
public final class FakeOllama extends FakeUpstream<FakeOllama.Received> {
  public static final List<String> PIECES = List.of("The", " sky", " is blue.");
  public static final int PROMPT_EVAL_COUNT = 26;
  public static final int EVAL_COUNT = 298;

  private static final ContentType NDJSON =
      ContentTypes.create(MediaTypes.applicationWithOpenCharset("x-ndjson"), HttpCharsets.UTF_8);

  /** What the fake received. */
  public record Received(String method, String path, ByteString body) implements FakeUpstream.Request {}

  private final Set<String> pulled;

  /** @param pulledModels what {@code /api/tags} lists and {@code /api/chat} serves */
  public FakeOllama(String... pulledModels) {
    super("fake-ollama");
    this.pulled = new CopyOnWriteArraySet<>(List.of(pulledModels));
  }

  /** Base URL as a provider's {@code ollama.base-url}. */
  @Override
  public String baseUrl() {
    return origin();
  }

  @Override
  protected Received record(HttpRequest request, ByteString body) {
    return new Received(request.method().value(), request.getUri().path(), body);
  }

  /**
   * Sends a content line every {@code interval}, forever, until the client goes away; {@link #streamEnded}
   * completes then.
   */
  public Answer<Received> endlessStream(Duration interval) {
    return r -> done(ndjson(reportingEnd(every(interval, lines(r.json().path("model").asText()).get(0)))));
  }

  // ---- answers ----------------------------------------------------------------------------------

  /** Ollama's documented answers for /api/chat, /api/embed, /api/tags, /api/ps and /api/pull. */
  @Override
  public CompletionStage<HttpResponse> documented(Received r) {
    if (r.path().equals("/api/tags")) return done(json(200, tags()));
    if (r.path().equals("/api/ps")) return done(json(200, loaded()));
    if (r.path().equals("/api/pull")) return done(ndjson(Source.from(pullLines(r.json().path("model").asText()))));
    if (r.path().equals("/api/embed")) return done(embed(r.json()));
    if (!r.path().equals("/api/chat")) return done(HttpResponse.create().withStatus(StatusCodes.NOT_FOUND)
        .withEntity(ContentTypes.TEXT_PLAIN_UTF8, "404 page not found"));
    JsonNode json = r.json();
    String model = json.path("model").asText();
    if (!pulled.contains(model) && !pulled.contains(model + ":latest")) {
      return done(json(404, "{\"error\":\"model \\\"" + model + "\\\" not found, try pulling it first\"}"));
    }
    if (json.path("messages").isEmpty() && json.path("keep_alive").asInt(-1) == 0) {
      return done(json(200, "{\"model\":\"" + model + "\",\"created_at\":\"2024-09-12T21:17:29.110811Z\","
          + "\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done_reason\":\"unload\",\"done\":true}"));
    }
    boolean callTool = json.path("tools").size() > 0
        && !"tool".equals(json.path("messages").get(json.path("messages").size() - 1).path("role").asText());
    List<String> lines = callTool ? toolLines(model) : lines(model);
    if (json.path("stream").asBoolean(true)) return done(ndjson(Source.from(lines)));
    return done(json(200, callTool ? lines.get(0).replace("\"done\":false", "\"done\":true,\"done_reason\":\"stop\","
        + counts()) : answer(model)));
  }

  /** Streams these NDJSON lines (each ending in a newline), then ends. */
  public static Answer<Received> lines(List<String> lines) {
    return r -> done(ndjson(Source.from(lines)));
  }

  /** Streams these lines, then nothing, never ending. */
  public static Answer<Received> stallAfter(List<String> lines) {
    return r -> done(ndjson(thenSilence(Source.from(lines))));
  }

  private static HttpResponse ndjson(Source<String, NotUsed> lines) {
    return HttpResponse.create().withEntity(HttpEntities.createChunked(NDJSON, lines.map(ByteString::fromString)));
  }

  private static HttpResponse json(int status, String body) {
    return HttpResponse.create().withStatus(StatusCodes.get(status)).withEntity(ContentTypes.APPLICATION_JSON, body);
  }

  // ---- Ollama's documented wire shapes ----------------------------------------------------------

  /** Prompt tokens {@code /api/embed} reports per input ({@code prompt_eval_count} is their sum). */
  public static final int EMBED_TOKENS_PER_INPUT = 4;

  /**
   * {@code /api/embed}'s documented answer: {@code embeddings[i]} for {@code input[i]} (a string or
   * strings), three numbers each ({@code dimensions} when set), the first being {@code i + 1}; an
   * unpulled model is 404 as for chat.
   */
  private HttpResponse embed(JsonNode json) {
    String model = json.path("model").asText();
    if (!pulled.contains(model) && !pulled.contains(model + ":latest")) {
      return json(404, "{\"error\":\"model \\\"" + model + "\\\" not found, try pulling it first\"}");
    }
    int inputs = json.path("input").isArray() ? json.path("input").size() : 1;
    int dimensions = json.path("dimensions").asInt(3);
    StringBuilder embeddings = new StringBuilder();
    for (int i = 0; i < inputs; i++) {
      embeddings.append(i == 0 ? "[" : ",[").append(i + 1);
      for (int d = 1; d < dimensions; d++) embeddings.append(",0.25");
      embeddings.append(']');
    }
    return json(200, "{\"model\":\"" + model + "\",\"embeddings\":[" + embeddings + "],"
        + "\"total_duration\":14143917,\"load_duration\":1019500,\"prompt_eval_count\":"
        + inputs * EMBED_TOKENS_PER_INPUT + "}");
  }

  static String counts() {
    return "\"total_duration\":4883583458,\"load_duration\":1334875,\"prompt_eval_count\":" + PROMPT_EVAL_COUNT
        + ",\"prompt_eval_duration\":342546000,\"eval_count\":" + EVAL_COUNT + ",\"eval_duration\":4535599000";
  }

  static String answer(String model) {
    return "{\"model\":\"" + model + "\",\"created_at\":\"2023-12-12T14:13:43.416799Z\",\"message\":{\"role\":"
        + "\"assistant\",\"content\":\"" + String.join("", PIECES) + "\"},\"done\":true,\"done_reason\":\"stop\","
        + counts() + "}";
  }

  /** A documented text stream: one line per piece, then the done line. */
  static List<String> lines(String model) {
    List<String> lines = new ArrayList<>();
    for (String piece : PIECES) {
      lines.add("{\"model\":\"" + model + "\",\"created_at\":\"2023-08-04T08:52:19.385406455-07:00\",\"message\":"
          + "{\"role\":\"assistant\",\"content\":\"" + piece + "\"},\"done\":false}\n");
    }
    lines.add("{\"model\":\"" + model + "\",\"created_at\":\"2023-08-04T19:22:45.499127Z\",\"message\":{\"role\":"
        + "\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\"," + counts() + "}\n");
    return lines;
  }

  /** A documented tool-calling stream: the whole call in one line, then the done line. */
  static List<String> toolLines(String model) {
    return List.of(
        "{\"model\":\"" + model + "\",\"created_at\":\"2024-07-22T20:33:28.123648Z\",\"message\":{\"role\":\"assistant\","
            + "\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"get_current_weather\",\"arguments\":"
            + "{\"format\":\"celsius\",\"location\":\"Paris, FR\"}}}]},\"done\":false}\n",
        "{\"model\":\"" + model + "\",\"created_at\":\"2024-07-22T20:33:28.223648Z\",\"message\":{\"role\":\"assistant\","
            + "\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\"," + counts() + "}\n");
  }

  /** The documented progress of a pull, ending in success. */
  static List<String> pullLines(String model) {
    return List.of("{\"status\":\"pulling manifest\"}\n",
        "{\"status\":\"pulling 8eeb52dfb3bb\",\"digest\":\"sha256:8eeb52dfb3bb\",\"total\":2142590208,\"completed\":241970}\n",
        "{\"status\":\"pulling 8eeb52dfb3bb\",\"digest\":\"sha256:8eeb52dfb3bb\",\"total\":2142590208,\"completed\":2142590208}\n",
        "{\"status\":\"verifying sha256 digest\"}\n",
        "{\"status\":\"writing manifest\"}\n",
        "{\"status\":\"success\"}\n");
  }

  String loaded() {
    return "{\"models\":[{\"name\":\"llama3.2:latest\",\"model\":\"llama3.2:latest\",\"size\":5137025024,"
        + "\"digest\":\"2ae6f6dd7a3dd734790bbbf58b8909a606e0e7e97e94b7604e0aa7ae4490e6d8\",\"details\":{\"family\":\"llama\"},"
        + "\"expires_at\":\"2024-06-04T14:38:31.83753-07:00\",\"size_vram\":5137025024}]}";
  }

  String tags() {
    StringBuilder models = new StringBuilder();
    for (String name : pulled) {
      if (models.length() > 0) models.append(',');
      models.append("{\"name\":\"").append(name).append("\",\"model\":\"").append(name)
          .append("\",\"modified_at\":\"2025-05-04T17:37:44.706015396-07:00\",\"size\":2019393189,"
              + "\"digest\":\"a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72\","
              + "\"details\":{\"format\":\"gguf\",\"family\":\"llama\",\"parameter_size\":\"3.2B\","
              + "\"quantization_level\":\"Q4_K_M\"}}");
    }
    return "{\"models\":[" + models + "]}";
  }
}
