package io.switchboard.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.provider.FakeUpstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * A fake Anthropic Messages API for tests, in-process on a random loopback port. It answers as
 * Anthropic documents: {@code POST /v1/messages} checks {@code x-api-key} (401
 * {@code authentication_error} when wrong) and {@code anthropic-version} (400 when missing), then
 * answers a {@code message} object, or with {@code "stream": true} the documented event stream
 * ({@code event:} + {@code data:} lines, {@code ping} included). When the request offers tools and the
 * conversation does not end in a tool result, the answer calls two of them in parallel. Tests swap in
 * errors, malformed bodies and cut or stalled streams. Its lifecycle, recorded requests and generic
 * answers ({@code status}, {@code rawOk}, {@code silence}, {@code delayed}) are {@link FakeUpstream}'s.
 *
 * <pre>{@code
 * @RegisterExtension static final FakeAnthropic anthropic = new FakeAnthropic("sk-ant-test");
 *
 * @Test
 * void overloaded_reachesTheClientAs503() {
 *   anthropic.answer(FakeAnthropic.status(529, FakeAnthropic.envelope("overloaded_error", "Overloaded")));
 *   // start a gateway on anthropic.baseUrl() with the key "sk-ant-test", send, assert
 *   assertEquals(Optional.of("2023-06-01"), anthropic.received().get(0).version());
 * }
 * }</pre>
 */
public final class FakeAnthropic extends FakeUpstream<FakeAnthropic.Received> {
  public static final String TEXT = "Hello! How can I help?";
  public static final List<String> TEXT_PIECES = List.of("Hello!", " How can", " I help?");
  public static final int INPUT_TOKENS = 25;
  public static final int OUTPUT_TOKENS = 15;

  /** What the fake received. */
  public record Received(String path, Optional<String> apiKey, Optional<String> version, ByteString body)
      implements FakeUpstream.Request {}

  private final String key;

  /** @param key the only {@code x-api-key} it accepts */
  public FakeAnthropic(String key) {
    super("fake-anthropic");
    this.key = key;
  }

  /** Base URL as a provider's {@code anthropic.base-url}. */
  @Override
  public String baseUrl() {
    return origin();
  }

  @Override
  protected Received record(HttpRequest request, ByteString body) {
    return new Received(request.getUri().path(), request.getHeader("x-api-key").map(h -> h.value()),
        request.getHeader("anthropic-version").map(h -> h.value()), body);
  }

  /** The API's own checks come before the test's answer. */
  @Override
  protected CompletionStage<HttpResponse> respond(Received r) {
    if (!r.path().equals("/v1/messages")) {
      return done(error(404, "not_found_error", "Not found: " + r.path()));
    }
    if (r.apiKey().isEmpty() || !r.apiKey().get().equals(key)) {
      return done(error(401, "authentication_error", "invalid x-api-key"));
    }
    if (r.version().isEmpty()) {
      return done(error(400, "invalid_request_error", "anthropic-version: header is required"));
    }
    return super.respond(r);
  }

  // ---- answers ----------------------------------------------------------------------------------

  /** Anthropic's documented answer: text, or parallel tool calls when tools are offered and unused. */
  @Override
  public CompletionStage<HttpResponse> documented(Received r) {
    JsonNode json = r.json();
    String model = json.path("model").asText();
    boolean callTools = json.path("tools").size() > 0 && !endsInToolResult(json);
    List<String> events = callTools ? toolUseEvents(model) : textEvents(model);
    if (json.path("stream").asBoolean(false)) return done(sse(Source.from(events)));
    return done(ok(callTools ? toolUseMessage(model) : textMessage(model)));
  }

  /** Streams these SSE events (each a complete {@code event:}/{@code data:} block), then ends. */
  public static Answer<Received> events(List<String> events) {
    return r -> done(sse(Source.from(events)));
  }

  /**
   * A text stream of its own message ({@code id}): {@code message_start}, text block 0 with one delta per
   * piece, its stop, {@code message_delta} (end_turn, 5 output tokens), {@code message_stop}. What a
   * deployment that continues another's broken answer sends.
   */
  public static List<String> textStream(String model, String id, String... pieces) {
    List<String> events = new ArrayList<>();
    events.add(messageStart(model, id));
    events.add(event("content_block_start",
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
    for (String piece : pieces) {
      events.add(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
          + "\"delta\":{\"type\":\"text_delta\",\"text\":\"" + piece + "\"}}"));
    }
    events.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
    events.add(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":5}}"));
    events.add(MESSAGE_STOP);
    return events;
  }

  /** Streams these events, then nothing, never ending. */
  public static Answer<Received> stallAfter(List<String> events) {
    return r -> done(sse(thenSilence(Source.from(events))));
  }

  /**
   * Sends {@code before}, then {@code fault} as it is (bytes that may be no event at all), then
   * {@code after}: what follows the fault must never reach a client.
   */
  public static Answer<Received> faultBetween(List<String> before, ByteString fault, List<String> after) {
    return r -> done(sseBytes(Source.from(before).map(ByteString::fromString).concat(Source.single(fault))
        .concat(Source.from(after).map(ByteString::fromString))));
  }

  /** Streams these events, then breaks the connection off (no last chunk of the HTTP body). */
  public static Answer<Received> resetAfter(List<String> events) {
    return r -> done(sse(Source.from(events).concat(crash())));
  }

  /**
   * Starts a text stream and sends a text delta every {@code interval}, forever, until the client goes
   * away; {@link #streamEnded} completes then.
   */
  public Answer<Received> endlessStream(Duration interval) {
    return r -> {
      String model = r.json().path("model").asText();
      String delta = event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
          + "\"delta\":{\"type\":\"text_delta\",\"text\":\"more \"}}");
      return done(sse(reportingEnd(Source.from(textEvents(model).subList(0, 2)).concat(every(interval, delta)))));
    };
  }

  private static boolean endsInToolResult(JsonNode request) {
    JsonNode messages = request.path("messages");
    JsonNode last = messages.get(messages.size() - 1);
    for (JsonNode block : last.path("content")) {
      if ("tool_result".equals(block.path("type").asText())) return true;
    }
    return false;
  }

  private static HttpResponse sse(Source<String, NotUsed> events) {
    return sseBytes(events.map(ByteString::fromString));
  }

  private static HttpResponse sseBytes(Source<ByteString, NotUsed> events) {
    return HttpResponse.create()
        .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(), events))
        .addHeader(RawHeader.create("request-id", "req_fake"));
  }

  private static HttpResponse ok(String json) {
    return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, json)
        .addHeader(RawHeader.create("request-id", "req_fake"));
  }

  private static HttpResponse error(int status, String type, String message) {
    return HttpResponse.create().withStatus(StatusCodes.get(status))
        .withEntity(ContentTypes.APPLICATION_JSON, envelope(type, message));
  }

  // ---- Anthropic's documented wire shapes -------------------------------------------------------

  public static String envelope(String type, String message) {
    return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"}}";
  }

  public static String textMessage(String model) {
    return """
        {"id":"msg_fake01","type":"message","role":"assistant","model":"%s",
         "content":[{"type":"text","text":"%s"}],"stop_reason":"end_turn","stop_sequence":null,
         "usage":{"input_tokens":%d,"output_tokens":%d}}
        """.formatted(model, TEXT, INPUT_TOKENS, OUTPUT_TOKENS);
  }

  static String toolUseMessage(String model) {
    return """
        {"id":"msg_fake02","type":"message","role":"assistant","model":"%s",
         "content":[{"type":"text","text":"Checking both."},
           {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"location":"Paris"}},
           {"type":"tool_use","id":"toolu_02","name":"get_weather","input":{"location":"Tokyo"}}],
         "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":%d,"output_tokens":%d}}
        """.formatted(model, INPUT_TOKENS, OUTPUT_TOKENS);
  }

  public static String event(String type, String data) {
    return "event: " + type + "\ndata: " + data + "\n\n";
  }

  public static String messageStart(String model, String id) {
    return event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"" + id + "\",\"type\":\"message\","
        + "\"role\":\"assistant\",\"content\":[],\"model\":\"" + model + "\",\"stop_reason\":null,\"stop_sequence\":null,"
        + "\"usage\":{\"input_tokens\":" + INPUT_TOKENS + ",\"output_tokens\":1}}}");
  }

  static String messageEnd(String stopReason) {
    return event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason
        + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + OUTPUT_TOKENS + "}}");
  }

  static final String MESSAGE_STOP = event("message_stop", "{\"type\":\"message_stop\"}");

  /** The documented text stream: start, a text block in pieces with a ping, stop. */
  public static List<String> textEvents(String model) {
    List<String> events = new ArrayList<>();
    events.add(messageStart(model, "msg_fake01"));
    events.add(event("content_block_start",
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
    events.add(event("ping", "{\"type\": \"ping\"}"));
    for (String piece : TEXT_PIECES) {
      events.add(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
          + "\"delta\":{\"type\":\"text_delta\",\"text\":\"" + piece + "\"}}"));
    }
    events.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
    events.add(messageEnd("end_turn"));
    events.add(MESSAGE_STOP);
    return events;
  }

  /** The documented tool-use stream: a text block, then two tool_use blocks with input_json_delta pieces. */
  static List<String> toolUseEvents(String model) {
    List<String> events = new ArrayList<>();
    events.add(messageStart(model, "msg_fake02"));
    events.add(event("content_block_start",
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
    events.add(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Checking both.\"}}"));
    events.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
    String[][] calls = {{"toolu_01", "Paris"}, {"toolu_02", "Tokyo"}};
    for (int i = 0; i < calls.length; i++) {
      int index = i + 1;
      events.add(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index
          + ",\"content_block\":{\"type\":\"tool_use\",\"id\":\"" + calls[i][0]
          + "\",\"name\":\"get_weather\",\"input\":{}}}"));
      events.add(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
          + ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"location\\\": \"}}"));
      events.add(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
          + ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"" + calls[i][1] + "\\\"}\"}}"));
      events.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}"));
    }
    events.add(messageEnd("tool_use"));
    events.add(MESSAGE_STOP);
    return events;
  }
}
