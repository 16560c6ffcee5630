package io.switchboard.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.anthropic.ErrorEnvelope;
import io.switchboard.api.anthropic.ErrorInfo;
import io.switchboard.api.anthropic.StreamEvent;
import io.switchboard.api.openai.ChatCompletion;
import io.switchboard.api.openai.ChatCompletionChunk;
import io.switchboard.api.openai.OpenAiJson;
import io.switchboard.exchange.Answer;
import io.switchboard.exchange.Dialect;
import io.switchboard.provider.StreamFault;
import io.switchboard.provider.UsageReader;
import io.switchboard.provider.anthropic.AnthropicUsage;
import io.switchboard.provider.anthropic.OpenAiToAnthropicResponse;
import io.switchboard.provider.anthropic.OpenAiToAnthropicStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * An {@link Answer} written for a client that spoke Anthropic's dialect. An answer already in it (an
 * Anthropic upstream's own message or events) goes out as it is; an OpenAI answer is translated once:
 * a {@code chat.completion} decoded and written as a message, and each chunk of a stream, as it
 * passes, as Anthropic's events, with Anthropic's {@code ping}s: one right after
 * {@code message_start}, then one whenever the upstream has been silent for
 * {@code http.anthropic-ping-interval} (never before {@code message_start}, which must come first).
 *
 * <p>Either way the stream is settled, and cut or failed streams told, in the dialect the upstream
 * spoke ({@link SseResponse}); a failure told as an OpenAI error event becomes Anthropic's
 * {@code error} event on the way through.
 */
final class AnthropicAnswers {
  private static final ByteString EVENT_END = ByteString.fromString("\n\n");
  private static final ByteString MESSAGE_START = ByteString.fromString("event: message_start\n");
  /** Anthropic's keep-alive event, byte for byte as Anthropic sends it. */
  private static final ByteString PING = ByteString.fromString("event: ping\ndata: {\"type\": \"ping\"}\n\n");

  private final ObjectMapper mapper;
  private final Duration pingInterval;
  private final SseDialect openAiStreams;
  private final SseDialect anthropicStreams;

  AnthropicAnswers(ObjectMapper mapper, Duration pingInterval) {
    this.mapper = mapper;
    this.pingInterval = pingInterval;
    this.openAiStreams = SseDialect.openAi(new UsageReader(mapper), mapper);
    this.anthropicStreams = SseDialect.anthropic(new AnthropicUsage(mapper), mapper);
  }

  /** @param model the model the client asked for, which a translated message names when the upstream did not */
  HttpResponse respond(Answer answer, String model, List<HttpHeader> headers, String requestId) {
    return respond(answer, model, headers, requestId, () -> 0);
  }

  /**
   * @param model the model the client asked for, which a translated message names when the upstream did not
   * @param promptEstimate the prompt's estimate, asked only for a translated stream: its {@code message_start}
   *     reports it as {@code input_tokens} (the upstream's count comes only at the end)
   */
  HttpResponse respond(Answer answer, String model, List<HttpHeader> headers, String requestId,
      IntSupplier promptEstimate) {
    if (answer instanceof Answer.Streaming stream) {
      if (stream.dialect() == Dialect.ANTHROPIC) {
        return SseResponse.of(stream.events(), stream.settle(), stream.recorded(), stream.signals(), headers,
            anthropicStreams, mapper, requestId);
      }
      Source<ByteString, NotUsed> openAi =
          SseResponse.guarded(stream.events(), stream.settle(), stream.recorded(), stream.signals(), openAiStreams,
              mapper, requestId);
      return HttpResponse.create()
          .withEntity(HttpEntities.createChunked(MediaTypes.TEXT_EVENT_STREAM.toContentType(),
              events(openAi, model, promptEstimate.getAsInt())))
          .addHeaders(headers);
    }
    ByteString body = ((Answer.Complete) answer).body();
    if (answer.dialect() == Dialect.OPENAI) body = message(body);
    return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, body).addHeaders(headers);
  }

  private ByteString message(ByteString completion) {
    try {
      ChatCompletion decoded = mapper.readValue(completion.toArrayUnsafe(), ChatCompletion.class);
      return ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(OpenAiToAnthropicResponse.translate(decoded)));
    } catch (IOException e) {
      throw new IllegalStateException("an upstream's checked answer is not a chat completion", e);
    }
  }

  /** The OpenAI events (one per element) as Anthropic's, one translator per stream, with pings. */
  private Source<ByteString, NotUsed> events(Source<ByteString, NotUsed> openAi, String model, int promptEstimate) {
    // Compared by identity: the marker keepAlive injects for a silence, never an event from upstream.
    ByteString silence = ByteString.fromString("silence");
    Source<ByteString, NotUsed> withSilences =
        pingInterval.isZero() ? openAi : openAi.keepAlive(pingInterval, () -> silence);
    return Source.lazySource(() -> {
      OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream(model, promptEstimate);
      boolean[] started = new boolean[1];
      return withSilences.mapConcat(frame -> {
        if (frame == silence) return started[0] ? List.of(PING) : List.<ByteString>of();
        List<ByteString> events = translate(frame.utf8String(), stream);
        if (started[0] || events.isEmpty() || !startsWith(events.get(0), MESSAGE_START)) return events;
        started[0] = true;
        List<ByteString> first = new ArrayList<>(events.size() + 1);
        first.add(events.get(0));
        first.add(PING);
        first.addAll(events.subList(1, events.size()));
        return first;
      });
    }).mapMaterializedValue(ignored -> NotUsed.getInstance());
  }

  private List<ByteString> translate(String frame, OpenAiToAnthropicStream stream) throws IOException {
    String data = frame.startsWith("data: ") ? frame.substring(6).strip() : null;
    if (data == null || data.isEmpty()) return List.of();
    List<StreamEvent> events;
    if (data.equals(OpenAiJson.DONE_SENTINEL)) {
      events = stream.finish();
    } else {
      JsonNode node = mapper.readTree(data);
      if (node.has("error")) {
        JsonNode error = node.get("error");
        return List.of(event("error", ErrorEnvelope.of(streamErrorType(error), error.path("message").asText())));
      }
      events = stream.next(mapper.treeToValue(node, ChatCompletionChunk.class));
    }
    List<ByteString> out = new ArrayList<>(events.size());
    for (StreamEvent e : events) out.add(event(e.eventName(), e));
    return out;
  }

  private ByteString event(String name, Object data) throws JsonProcessingException {
    return ByteString.fromString("event: " + name + "\ndata: ").concat(ByteString.fromArrayUnsafe(
        mapper.writeValueAsBytes(data))).concat(EVENT_END);
  }

  private static String streamErrorType(JsonNode error) {
    String type = error.path("type").asText();
    if (StreamFault.ofCode(error.path("code").asText(null)).isPresent()) return error.path("code").asText();
    if (type.equals("rate_limit_error")) return ErrorInfo.RATE_LIMIT;
    if (type.equals(ApiError.OVERLOADED_TYPE)) return ErrorInfo.OVERLOADED;
    return type.equals(ErrorInfo.INVALID_REQUEST) ? ErrorInfo.INVALID_REQUEST : ErrorInfo.API;
  }

  private static boolean startsWith(ByteString event, ByteString prefix) {
    return event.length() >= prefix.length() && event.slice(0, prefix.length()).equals(prefix);
  }
}
