package io.switchboard.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.api.anthropic.ErrorEnvelope;
import io.switchboard.api.anthropic.Message;
import io.switchboard.provider.StreamEnds;
import io.switchboard.provider.StreamFault;
import io.switchboard.provider.UpstreamCall;
import io.switchboard.provider.UpstreamException.Kind;
import io.switchboard.provider.UpstreamHttp;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.provider.UpstreamReply;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * An Anthropic client meeting an Anthropic upstream: the client's Messages request goes upstream as
 * its own bytes (only {@code model} rewritten, when the alias differs from the upstream's name), and
 * the upstream's message or event stream comes back as Anthropic's bytes, event by event. Nothing is
 * translated, so fields the gateway does not know ({@code thinking}, {@code container}, new block
 * types) reach the upstream and the client intact.
 *
 * <p>What is still checked, so that a broken answer is never passed on as a good one: a 2xx body must
 * be a JSON {@code message}; each event of a stream must be one the Messages API has, with JSON data
 * ({@link StreamEventCheck}); a stream must end with {@code message_stop} (or at least the
 * {@code message_delta} that gives its stop reason); an {@code error} event fails the stream with its
 * error (the client gets it as the stream's last event). Events are scanned, not decoded, here; the
 * usage in {@code message_start} and {@code message_delta} is read by the caller to settle admission.
 */
final class AnthropicPassThrough {
  private static final ByteString EVENT_END = ByteString.fromString("\n\n");
  /** Anthropic's last event, sent by the gateway when the upstream gave its stop reason but not this. */
  private static final ByteString MESSAGE_STOP =
      ByteString.fromString("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");

  private final String provider;
  private final UpstreamHttp http;
  private final Uri endpoint;
  private final List<RawHeader> headers;
  private final ObjectMapper mapper;
  private final StreamEventCheck check;

  AnthropicPassThrough(String provider, UpstreamHttp http, Uri endpoint, List<RawHeader> headers,
      ObjectMapper mapper) {
    this.provider = provider;
    this.http = http;
    this.endpoint = endpoint;
    this.headers = headers;
    this.mapper = mapper;
    this.check = new StreamEventCheck(mapper.getFactory(), provider);
  }

  CompletionStage<UpstreamReply> send(UpstreamCall call, ByteString clientBody) {
    ByteString body = call.namesUpstreamModel() ? clientBody : withModel(clientBody, call.upstreamModel());
    HttpRequest request = UpstreamHttp.post(endpoint)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body))
        .addHeaders(new ArrayList<>(headers));
    if (call.stream()) request = request.addHeader(RawHeader.create("Accept", "text/event-stream"));
    return http.send(request).thenCompose(response -> {
      if (!UpstreamHttp.succeeded(response)) {
        return http.errorAnswer(response).thenApply(error -> {
          throw AnthropicErrors.fromStatus(provider, error.status(), error.body(), error.retryAfter())
              .withRequestId(UpstreamHttp.requestId(response));
        });
      }
      return call.stream() ? streaming(response) : complete(response);
    });
  }

  private ByteString withModel(ByteString body, String model) {
    try {
      ObjectNode json = (ObjectNode) mapper.readTree(body.toArrayUnsafe());
      json.put("model", model);
      return ByteString.fromArrayUnsafe(mapper.writeValueAsBytes(json));
    } catch (java.io.IOException | ClassCastException e) {
      // The ingress decoded this body as a Messages request before it got here.
      throw new IllegalStateException("an Anthropic request that was read once could not be read again", e);
    }
  }

  private CompletionStage<UpstreamReply> complete(HttpResponse response) {
    return http.body(response).thenApply(body -> {
      if (body.isEmpty() || body.utf8String().isBlank()) {
        throw http.failure(Kind.EMPTY_RESPONSE, "Provider '" + provider + "' answered 200 with an empty body.", null);
      }
      JsonNode message;
      try {
        message = mapper.readTree(body.toArrayUnsafe());
      } catch (java.io.IOException e) {
        throw http.malformed("a body that is not a JSON message", e);
      }
      if (message == null || !Message.TYPE.equals(message.path("type").asText()) || !message.path("content").isArray()) {
        throw http.malformed("JSON that is not a message (no \"type\": \"message\" with content)", null);
      }
      return new UpstreamReply.Complete(body, UpstreamSignals.NONE, UpstreamHttp.requestId(response));
    });
  }

  /**
   * The events checked one by one ({@link StreamEventCheck}); a stream whose {@code message_delta} gave
   * its stop reason is whole even when it ends, breaks off or stalls before {@code message_stop}: the
   * client gets the {@code message_stop} from the gateway. One that ends before that was cut.
   */
  private CompletionStage<UpstreamReply> streaming(HttpResponse response) {
    Source<ByteString, NotUsed> frames = http.frames(response, EVENT_END);
    Source<ByteString, NotUsed> events = StreamEnds.judged(frames, Progress::new, (frame, progress) -> {
      if (progress.stopped) return List.<ByteString>of();
      switch (check.check(frame)) {
        case ERROR -> throw streamError(frame.utf8String());
        case STOP -> progress.stopped = true;
        case STOP_REASON -> progress.stopReason = true;
        default -> { }
      }
      return List.of(frame.concat(EVENT_END));
    }, progress -> {
      if (progress.stopped) return List.of();
      if (progress.stopReason) return List.of(MESSAGE_STOP);
      throw http.inStream(StreamFault.RESET, "Provider '" + provider
          + "' ended the stream before its 'message_delta' with a stop reason and its 'message_stop'.", null);
    }, progress -> progress.stopReason);
    return CompletableFuture.completedFuture(
        new UpstreamReply.Streaming(events, UpstreamSignals.NONE, UpstreamHttp.requestId(response)));
  }

  private RuntimeException streamError(String frame) {
    String data = http.redact(AnthropicUpstream.data(frame));
    try {
      ErrorEnvelope envelope = data == null ? null : mapper.readValue(data, ErrorEnvelope.class);
      return AnthropicErrors.fromStreamError(provider, envelope == null ? null : envelope.error());
    } catch (java.io.IOException e) {
      return http.malformed("an error event that is not valid JSON", e);
    }
  }

  /** One stream's progress; touched only by its own stage, one event at a time. */
  private static final class Progress {
    /** A {@code message_delta} gave the stop reason: the answer has finished. */
    boolean stopReason;
    /** The {@code message_stop} came: nothing after it is passed on. */
    boolean stopped;
  }
}
