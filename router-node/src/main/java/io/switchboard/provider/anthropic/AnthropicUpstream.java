package io.switchboard.provider.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.switchboard.api.anthropic.AnthropicJson;
import io.switchboard.api.anthropic.Message;
import io.switchboard.api.anthropic.StreamEvent;
import io.switchboard.api.openai.ChatCompletionChunk;
import io.switchboard.api.openai.ErrorResponse;
import io.switchboard.config.ProviderSettings;
import io.switchboard.provider.SseFrame;
import io.switchboard.provider.StreamEnds;
import io.switchboard.provider.Upstream;
import io.switchboard.provider.UpstreamCall;
import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamException.Kind;
import io.switchboard.provider.UpstreamHttp;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.provider.UpstreamReply;
import io.switchboard.provider.UntranslatableRequestException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Anthropic's Messages API ({@code POST {base-url}/v1/messages}) behind the OpenAI dialect.
 *
 * <p>Each call is translated ({@link OpenAiToAnthropicRequest}), sent with {@code x-api-key} and
 * {@code anthropic-version}, and its answer translated back: a message into a {@code chat.completion}
 * ({@link AnthropicToOpenAiResponse}), an event stream into OpenAI chunks ending in {@code [DONE]}
 * ({@link AnthropicToOpenAiStream}), an error into an {@link UpstreamException} ({@link AnthropicErrors}).
 * A 2xx that is empty, not a message, or a stream that stops before {@code message_stop} is an
 * {@link UpstreamException} too, never a 200 with garbage. A request Anthropic cannot express is
 * refused with 400 before anything is sent.
 *
 * <p>A call from the Anthropic ingress is not translated at all: {@link AnthropicPassThrough}.
 */
public final class AnthropicUpstream implements Upstream {
  private static final ByteString EVENT_END = ByteString.fromString("\n\n");

  private final ProviderSettings settings;
  private final ObjectMapper mapper;
  private final Clock clock;
  private final UpstreamHttp http;
  private final Uri endpoint;
  private final List<RawHeader> headers;
  private final AnthropicPassThrough passThrough;
  private final ObjectReader events;

  public AnthropicUpstream(ActorSystem<?> system, ProviderSettings settings, ObjectMapper mapper, Clock clock) {
    this.settings = settings;
    this.mapper = mapper;
    this.clock = clock;
    ProviderSettings.Anthropic anthropic = settings.anthropic();
    this.http = new UpstreamHttp(system, settings, anthropic.baseUrl(), false);
    this.endpoint = Uri.create(anthropic.baseUrl() + "/v1/messages");
    List<RawHeader> fixed = new ArrayList<>();
    fixed.add(RawHeader.create(AnthropicJson.VERSION_HEADER, anthropic.version()));
    anthropic.apiKey().ifPresent(key -> fixed.add(RawHeader.create(AnthropicJson.API_KEY_HEADER, key.reveal())));
    this.headers = List.copyOf(fixed);
    this.passThrough = new AnthropicPassThrough(settings.id(), http, endpoint, headers, mapper);
    this.events = mapper.readerFor(StreamEvent.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  /** A request from the Anthropic ingress goes as its own bytes, and its answer comes back as Anthropic's. */
  @Override
  public boolean passesAnthropicThrough() {
    return true;
  }

  @Override
  public CompletionStage<UpstreamReply> send(UpstreamCall call) {
    if (call.anthropicBody() != null) return passThrough.send(call, call.anthropicBody());
    OpenAiToAnthropicRequest.Translated translated;
    try {
      translated = OpenAiToAnthropicRequest.translate(call.request(), call.upstreamModel(), call.maxOutputTokens());
    } catch (UntranslatableRequestException e) {
      return CompletableFuture.failedFuture(refused(e));
    }
    HttpRequest request = UpstreamHttp.post(endpoint)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, json(translated.request())))
        .addHeaders(new ArrayList<>(headers));
    if (call.stream()) request = request.addHeader(RawHeader.create("Accept", "text/event-stream"));
    return http.send(request).thenCompose(response -> {
      if (!UpstreamHttp.succeeded(response)) {
        return http.errorAnswer(response).thenApply(error -> {
          throw AnthropicErrors.fromStatus(settings.id(), error.status(), error.body(), error.retryAfter())
              .withRequestId(UpstreamHttp.requestId(response));
        });
      }
      return call.stream() ? streaming(response, call, translated) : complete(response, translated);
    });
  }

  private CompletionStage<UpstreamReply> complete(
      HttpResponse response, OpenAiToAnthropicRequest.Translated translated) {
    return http.body(response).thenApply(body -> {
      if (body.isEmpty() || body.utf8String().isBlank()) {
        throw http.failure(Kind.EMPTY_RESPONSE, "Provider '" + settings.id() + "' answered 200 with an empty body.",
            null);
      }
      Message message;
      try {
        message = mapper.readValue(body.toArrayUnsafe(), Message.class);
      } catch (java.io.IOException e) {
        throw http.malformed("a body that is not a JSON message", e);
      }
      if (message == null || !Message.TYPE.equals(message.type()) || message.content() == null) {
        throw http.malformed("JSON that is not a message (no \"type\": \"message\" with content)", null);
      }
      long created = clock.instant().getEpochSecond();
      return new UpstreamReply.Complete(json(AnthropicToOpenAiResponse.translate(message, translated.jsonTool(), created)),
          UpstreamSignals.NONE, UpstreamHttp.requestId(response));
    });
  }

  private CompletionStage<UpstreamReply> streaming(HttpResponse response, UpstreamCall call,
      OpenAiToAnthropicRequest.Translated translated) {
    Source<ByteString, NotUsed> events = StreamEnds.translated(http, http.frames(response, EVENT_END),
        () -> new AnthropicToOpenAiStream(settings.id(), call.request().includeUsage(), translated.jsonTool(),
            clock.instant().getEpochSecond()),
        this::translate, AnthropicToOpenAiStream::complete, stream -> chunks(stream.close()),
        "a stream that ended before its 'message_delta' and 'message_stop' events");
    return CompletableFuture.completedFuture(
        new UpstreamReply.Streaming(events, UpstreamSignals.NONE, UpstreamHttp.requestId(response)));
  }

  /**
   * One SSE event of Anthropic's stream as the OpenAI events it stands for. The event is read strictly
   * and decoded once: its name must be one of the Messages API's and the JSON's {@code type} must
   * repeat it, or it fails as a malformed event.
   */
  private List<ByteString> translate(ByteString frame, AnthropicToOpenAiStream stream) {
    SseFrame sse = StreamEventCheck.frame(frame, settings.id());
    if (sse.isComment()) return List.of();
    String data = sse.data();
    if (data == null) throw http.malformedEvent("an event without data");
    // An error event's message reaches the client and the log: the upstream may quote credentials there.
    if (sse.event().equals("error")) data = http.redact(data);
    StreamEvent event;
    try {
      event = events.readValue(data);
    } catch (java.io.IOException e) {
      throw http.malformedEvent("an event whose data is not JSON");
    }
    if (event == null || !event.eventName().equals(sse.event())) {
      throw http.malformedEvent("an event whose data's 'type' is not its name");
    }
    return chunks(stream.next(event));
  }

  private List<ByteString> chunks(List<ChatCompletionChunk> chunks) {
    List<ByteString> out = new ArrayList<>(chunks.size());
    for (ChatCompletionChunk chunk : chunks) {
      out.add(ByteString.fromString("data: ").concat(json(chunk)).concat(EVENT_END));
    }
    return out;
  }

  /** The data of an SSE event (several {@code data:} lines joined by newlines), or null for none. */
  static String data(String event) {
    StringBuilder data = null;
    for (String line : event.split("\r?\n")) {
      if (!line.startsWith("data:")) continue;
      String value = line.substring(5);
      if (value.startsWith(" ")) value = value.substring(1);
      if (data == null) data = new StringBuilder(value);
      else data.append('\n').append(value);
    }
    return data == null ? null : data.toString();
  }

  private UpstreamException refused(UntranslatableRequestException e) {
    String envelope = new String(json(ErrorResponse.of(e.getMessage(), "invalid_request_error", e.param(),
        "unsupported_parameter")).toArray(), java.nio.charset.StandardCharsets.UTF_8);
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
