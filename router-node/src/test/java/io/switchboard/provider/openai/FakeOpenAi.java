package io.switchboard.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.provider.FakeUpstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * A fake OpenAI chat completions (and embeddings, legacy text completions and Responses API) server for
 * tests, started in-process on a random port. By default it answers as OpenAI documents: a
 * {@code chat.completion} JSON object, or {@code text/event-stream} chunks ending in {@code data: [DONE]}
 * (with a usage chunk when {@code stream_options.include_usage} is set); on {@code /responses} a
 * Response object ({@link #response}) or the Responses event stream ({@link #responseEvents}). Each
 * test can swap in another answer: an error status, a stall, a stream that stops. Its lifecycle,
 * recorded requests and generic answers ({@code status}, {@code rawOk}, {@code silence}, {@code delayed})
 * are {@link FakeUpstream}'s.
 *
 * <pre>{@code
 * @RegisterExtension static final FakeOpenAi upstream = new FakeOpenAi();
 *
 * @Test
 * void upstream500_reachesTheClientAs502() {
 *   upstream.answer(FakeOpenAi.status(500, FakeOpenAi.envelope("The server had an error", "server_error")));
 *   // start a gateway on upstream.baseUrl(), send, assert
 *   assertEquals("Bearer sk-test", upstream.received().get(0).authorization());
 * }
 * }</pre>
 */
public final class FakeOpenAi extends FakeUpstream<FakeOpenAi.Received> {
  public static final String CONTENT = "Hello there!";
  public static final List<String> CONTENT_PIECES = List.of("Hello", " there", "!");

  /** What the fake received: enough to check what the gateway forwarded. */
  public record Received(String path, String authorization, ByteString body) implements FakeUpstream.Request {}

  public FakeOpenAi() {
    super("fake-openai");
  }

  /** Base URL as a provider's {@code openai.base-url}. */
  @Override
  public String baseUrl() {
    return origin() + "/v1";
  }

  @Override
  protected Received record(HttpRequest request, ByteString body) {
    return new Received(request.getUri().path(), request.getHeader("Authorization").map(h -> h.value()).orElse(null),
        body);
  }

  // ---- answers ----------------------------------------------------------------------------------

  /** OpenAI's documented answer, JSON or SSE as the request asks. */
  @Override
  public CompletionStage<HttpResponse> documented(Received r) {
    JsonNode json = r.json();
    String model = json.path("model").asText();
    if (r.path().endsWith("/embeddings")) return done(ok(embeddings(json)));
    if (r.path().endsWith("/responses")) {
      return done(json.path("stream").asBoolean(false) ? sse(Source.from(responseEvents(model)))
          : ok(response(model, "completed")));
    }
    if (r.path().endsWith("/completions") && !r.path().endsWith("/chat/completions")) {
      boolean usage = json.path("stream_options").path("include_usage").asBoolean(false);
      return done(json.path("stream").asBoolean(false) ? sse(Source.from(textChunks(model, usage)))
          : ok(textCompletion(model)));
    }
    if (json.path("stream").asBoolean(false)) {
      boolean usage = json.path("stream_options").path("include_usage").asBoolean(false);
      return done(sse(Source.from(chunks(model, usage))));
    }
    return done(ok(completion(model)));
  }

  /** An SSE answer (200) of exactly these events. */
  public static Function<Received, CompletionStage<HttpResponse>> events(String... events) {
    return r -> CompletableFuture.completedFuture(HttpResponse.create().withEntity(
        HttpEntities.create(MediaTypes.TEXT_EVENT_STREAM.toContentType(), String.join("", events))));
  }

  /** Sends the first stream chunk, then nothing, never ending. */
  public Answer<Received> stallAfterFirstChunk() {
    return r -> done(sse(thenSilence(Source.single(chunks(r.json().path("model").asText(), false).get(0)))));
  }

  /**
   * A whole (non-streaming) answer that starts and never finishes: 200 with its headers and the first
   * bytes of a chat completion, then nothing. Its body reports its end to {@link #streamEnded}, which is
   * how a test sees the gateway close the connection.
   */
  public Answer<Received> slowBody() {
    return r -> done(HttpResponse.create()
        .withEntity(HttpEntities.createChunked(ContentTypes.APPLICATION_JSON,
            reportingEnd(thenSilence(Source.single(ByteString.fromString("{\"id\":\"chatcmpl-fake123\","))))))
        .addHeader(RawHeader.create("x-request-id", "req_fake")));
  }

  /** Sends all content chunks, then ends without {@code data: [DONE]}. */
  public Answer<Received> streamWithoutDone() {
    return r -> {
      List<String> chunks = chunks(r.json().path("model").asText(), false);
      return done(sse(Source.from(chunks.subList(0, chunks.size() - 1))));
    };
  }

  /**
   * Sends all chunks, the usage chunk when asked, then ends without {@code data: [DONE]}: an
   * OpenAI-compatible server that forgets the marker after a whole answer.
   */
  public Answer<Received> finishWithoutDone() {
    return r -> {
      List<String> chunks = chunks(r.json().path("model").asText(),
          r.json().path("stream_options").path("include_usage").asBoolean(false));
      return done(sse(Source.from(chunks.subList(0, chunks.size() - 1))));
    };
  }

  /** Sends all chunks up to the finish (and the usage chunk when asked), then nothing, never ending. */
  public Answer<Received> stallAfterFinish() {
    return r -> {
      List<String> chunks = chunks(r.json().path("model").asText(),
          r.json().path("stream_options").path("include_usage").asBoolean(false));
      return done(sse(thenSilence(Source.from(chunks.subList(0, chunks.size() - 1)))));
    };
  }

  /** Sends the role and content chunks, then ends cleanly: no finish chunk, no {@code [DONE]}. */
  public Answer<Received> cutBeforeFinish() {
    return r -> done(sse(Source.from(chunks(r.json().path("model").asText(), false).subList(0, 1 + CONTENT_PIECES.size()))));
  }

  /**
   * Sends the first chunk, then {@code fault} as it is (bytes that may be no event at all), then the
   * rest of the documented stream with its {@code [DONE]}: what follows the fault must never reach a
   * client.
   */
  public Answer<Received> faultAfterFirstChunk(ByteString fault) {
    return r -> {
      List<ByteString> chunks = chunks(r.json().path("model").asText(), false).stream().map(ByteString::fromString)
          .toList();
      return done(sseBytes(Source.single(chunks.get(0)).concat(Source.single(fault))
          .concat(Source.from(chunks.subList(1, chunks.size())))));
    };
  }

  /**
   * Sends the first {@code chunks} chunks, then breaks the connection off (no last chunk of the HTTP
   * body) a moment later: a reset that comes with the chunks would make the receiving kernel drop them.
   */
  public Answer<Received> resetAfter(int chunks) {
    return r -> done(sse(Source.from(chunks(r.json().path("model").asText(), false).subList(0, chunks))
        .concat(crash())));
  }

  /** Streams content chunks forever, one every {@code interval}, until the client goes away. */
  public Answer<Received> endlessStream(Duration interval) {
    return r -> done(sse(every(interval, chunks(r.json().path("model").asText(), false).get(1))));
  }

  /**
   * A stream of its own identity ({@code id}, {@code created}): a role chunk, {@code pieces}, a finish,
   * a usage chunk when asked ({@link #STREAMED_USAGE}), {@code [DONE]}. What a deployment that continues
   * another's broken answer sends.
   */
  public static Answer<Received> streamed(String id, long created, String... pieces) {
    return r -> {
      String head = "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
          + ",\"model\":\"" + r.json().path("model").asText() + "\",";
      List<String> events = new ArrayList<>();
      events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
          + "\"finish_reason\":null}]}\n\n");
      for (String piece : pieces) {
        events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + piece + "\"},"
            + "\"finish_reason\":null}]}\n\n");
      }
      events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
      if (r.json().path("stream_options").path("include_usage").asBoolean(false)) {
        events.add("data: " + head + "\"choices\":[],\"usage\":" + STREAMED_USAGE + "}\n\n");
      }
      events.add("data: [DONE]\n\n");
      return events(events.toArray(String[]::new)).apply(r);
    };
  }

  /** The usage chunk's counts in {@link #streamed}: 30 prompt, 4 completion tokens. */
  public static final String STREAMED_USAGE = "{\"prompt_tokens\":30,\"completion_tokens\":4,\"total_tokens\":34}";

  /** Every stream reports its end to {@link #streamEnded}. */
  private HttpResponse sse(Source<String, NotUsed> events) {
    return sseBytes(events.map(ByteString::fromString));
  }

  private HttpResponse sseBytes(Source<ByteString, NotUsed> events) {
    return HttpResponse.create()
        .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), reportingEnd(events)))
        .addHeader(RawHeader.create("x-request-id", "req_fake"));
  }

  private static HttpResponse ok(String json) {
    return HttpResponse.create()
        .withEntity(ContentTypes.APPLICATION_JSON, json)
        .addHeader(RawHeader.create("x-request-id", "req_fake"))
        .addHeader(RawHeader.create("openai-processing-ms", "12"));
  }

  // ---- OpenAI's documented wire shapes ----------------------------------------------------------

  /** The text a legacy {@code /completions} answer holds, and its pieces when streamed. */
  public static final String TEXT = "\n\nThis is indeed a test";
  public static final List<String> TEXT_PIECES = List.of("\\n\\nThis", " is indeed", " a test");

  /** A legacy text completion as OpenAI documents it (usage: 5 prompt, 7 completion tokens). */
  static String textCompletion(String model) {
    return "{\"id\":\"cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7\",\"object\":\"text_completion\",\"created\":1589478378,"
        + "\"model\":\"" + model + "\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"text\":"
        + "\"\\n\\nThis is indeed a test\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"length\"}],"
        + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}";
  }

  /** A legacy text completion's stream: one chunk per piece, a usage chunk when asked, then [DONE]. */
  static List<String> textChunks(String model, boolean includeUsage) {
    List<String> events = new ArrayList<>();
    String head = "{\"id\":\"cmpl-stream1\",\"object\":\"text_completion\",\"created\":1589478378,";
    for (int i = 0; i < TEXT_PIECES.size(); i++) {
      String finish = i == TEXT_PIECES.size() - 1 ? "\"length\"" : "null";
      events.add("data: " + head + "\"choices\":[{\"text\":\"" + TEXT_PIECES.get(i) + "\",\"index\":0,"
          + "\"logprobs\":null,\"finish_reason\":" + finish + "}],\"model\":\"" + model + "\"}\n\n");
    }
    if (includeUsage) {
      events.add("data: " + head + "\"choices\":[],\"model\":\"" + model + "\",\"usage\":{\"prompt_tokens\":5,"
          + "\"completion_tokens\":7,\"total_tokens\":12}}\n\n");
    }
    events.add("data: [DONE]\n\n");
    return events;
  }

  /** Prompt tokens {@code /embeddings} reports per input. */
  public static final int EMBEDDING_TOKENS_PER_INPUT = 5;

  /**
   * OpenAI's documented embedding list for a request: one entry per input (a string, strings, a token
   * array or token arrays), three floats each ({@code dimensions} when set), the first being
   * {@code index + 1}; the model as sent.
   */
  static String embeddings(JsonNode request) {
    JsonNode input = request.path("input");
    int inputs = input.isArray() && input.size() > 0 && !input.get(0).isNumber() ? input.size() : 1;
    int dimensions = request.path("dimensions").asInt(3);
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < inputs; i++) {
      data.append(i == 0 ? "" : ",").append("{\"object\":\"embedding\",\"index\":").append(i)
          .append(",\"embedding\":[").append(i + 1);
      for (int d = 1; d < dimensions; d++) data.append(",-0.0028842222");
      data.append("]}");
    }
    int tokens = inputs * EMBEDDING_TOKENS_PER_INPUT;
    return "{\"object\":\"list\",\"data\":[" + data + "],\"model\":\"" + request.path("model").asText()
        + "\",\"usage\":{\"prompt_tokens\":" + tokens + ",\"total_tokens\":" + tokens + "}}";
  }

  /** A Responses API answer's id, and the usage it reports (OpenAI's documented example). */
  public static final String RESPONSE_ID = "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b";
  public static final int RESPONSE_INPUT_TOKENS = 36;
  public static final int RESPONSE_OUTPUT_TOKENS = 87;

  /**
   * A Response object as OpenAI documents it for {@code POST /responses}: one assistant message saying
   * {@link #CONTENT}, the model as sent; {@code status} {@code completed}, or {@code in_progress} with no
   * output and no usage (the Response of {@code response.created}).
   */
  public static String response(String model, String status) {
    boolean done = status.equals("completed");
    String output = done ? "{\"type\":\"message\",\"id\":\"msg_67ccd2bf17f0819081ff3bb2cf6508e6\",\"status\":"
        + "\"completed\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"" + CONTENT
        + "\",\"annotations\":[]}]}" : "";
    String usage = done ? "{\"input_tokens\":" + RESPONSE_INPUT_TOKENS
        + ",\"input_tokens_details\":{\"cached_tokens\":0,\"cache_write_tokens\":0},"
        + "\"output_tokens\":" + RESPONSE_OUTPUT_TOKENS + ",\"output_tokens_details\":{\"reasoning_tokens\":0},"
        + "\"total_tokens\":" + (RESPONSE_INPUT_TOKENS + RESPONSE_OUTPUT_TOKENS) + "}" : "null";
    return "{\"id\":\"" + RESPONSE_ID + "\",\"object\":\"response\",\"created_at\":1741476542,\"status\":\"" + status
        + "\",\"error\":null,\"incomplete_details\":null,\"instructions\":null,\"max_output_tokens\":null,"
        + "\"model\":\"" + model + "\",\"output\":[" + output + "],\"parallel_tool_calls\":true,"
        + "\"previous_response_id\":null,\"reasoning\":{\"effort\":null,\"summary\":null},\"store\":false,"
        + "\"temperature\":1.0,\"text\":{\"format\":{\"type\":\"text\"}},\"tool_choice\":\"auto\",\"tools\":[],"
        + "\"top_p\":1.0,\"truncation\":\"disabled\",\"usage\":" + usage + ",\"user\":null,\"metadata\":{}}";
  }

  /**
   * A Responses API event stream as OpenAI documents it: each event an {@code event:} line and a
   * {@code data:} line whose {@code type} repeats the name, numbered by {@code sequence_number}; the
   * text in {@link #CONTENT_PIECES}; last {@code response.completed} with the whole Response. No
   * {@code [DONE]}.
   */
  public static List<String> responseEvents(String model) {
    String item = "\"item_id\":\"msg_67ccd2bf17f0819081ff3bb2cf6508e6\",\"output_index\":0";
    String part = "{\"type\":\"output_text\",\"text\":\"%s\",\"annotations\":[]}";
    String message = "{\"type\":\"message\",\"id\":\"msg_67ccd2bf17f0819081ff3bb2cf6508e6\",\"status\":\"%s\","
        + "\"role\":\"assistant\",\"content\":[%s]}";
    List<String> data = new ArrayList<>();
    data.add("\"type\":\"response.created\",\"response\":" + response(model, "in_progress"));
    data.add("\"type\":\"response.in_progress\",\"response\":" + response(model, "in_progress"));
    data.add("\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":"
        + message.formatted("in_progress", ""));
    data.add("\"type\":\"response.content_part.added\"," + item + ",\"content_index\":0,\"part\":" + part.formatted(""));
    for (String piece : CONTENT_PIECES) {
      data.add("\"type\":\"response.output_text.delta\"," + item + ",\"content_index\":0,\"delta\":\"" + piece
          + "\",\"logprobs\":[]");
    }
    data.add("\"type\":\"response.output_text.done\"," + item + ",\"content_index\":0,\"text\":\"" + CONTENT
        + "\",\"logprobs\":[]");
    data.add("\"type\":\"response.content_part.done\"," + item + ",\"content_index\":0,\"part\":"
        + part.formatted(CONTENT));
    data.add("\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":"
        + message.formatted("completed", part.formatted(CONTENT)));
    data.add("\"type\":\"response.completed\",\"response\":" + response(model, "completed"));
    List<String> events = new ArrayList<>();
    for (int i = 0; i < data.size(); i++) {
      String type = data.get(i).substring(8, data.get(i).indexOf('"', 8));
      events.add("event: " + type + "\ndata: {" + data.get(i) + ",\"sequence_number\":" + i + "}\n\n");
    }
    return events;
  }

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
