package io.switchboard.routing;

import io.switchboard.provider.UpstreamException;
import io.switchboard.provider.UpstreamReply;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Holds a stream back from the client until it has really begun, so that a stream failing (or too slow)
 * before that is retried or failed over like any other call: until its first event, or, with a
 * first-token limit, until its first event that carries content (text, a tool call, or the stream's
 * end). The events held back are put in front of the rest, unchanged.
 *
 * <p>Content is recognised by a look at the event's bytes, not by parsing it: a non-empty
 * {@code "content"}, {@code "text"}, {@code "delta"} (Responses) or {@code "partial_json"} value, a
 * {@code tool_calls} list, an Anthropic {@code content_block_delta}, a {@code finish_reason}, or the end
 * marker. An event that only opens the answer (OpenAI's role chunk with empty content, Anthropic's
 * {@code message_start}) does not count.
 */
public final class StreamStart {
  private static final List<String> CONTENT = List.of("\"content\":\"", "\"text\":\"", "\"delta\":\"",
      "\"partial_json\":\"");
  private static final List<String> OTHER_TOKENS = List.of("\"tool_calls\"", "content_block_delta",
      "\"finish_reason\":\"", "[DONE]", "message_stop", "response.completed");

  private final Materializer materializer;

  StreamStart(Materializer materializer) {
    this.materializer = materializer;
  }

  /** {@code streaming} once its first event has arrived ({@code untilToken}: its first content token). */
  CompletionStage<UpstreamReply> begun(UpstreamReply.Streaming streaming, boolean untilToken) {
    return next(streaming, streaming.events(), new ArrayList<>(), untilToken);
  }

  private CompletionStage<UpstreamReply> next(UpstreamReply.Streaming streaming, Source<ByteString, ?> events,
      List<ByteString> held, boolean untilToken) {
    return events.prefixAndTail(1).runWith(Sink.head(), materializer).thenCompose(split -> {
      List<ByteString> first = split.first();
      Source<ByteString, NotUsed> rest = split.second();
      if (first.isEmpty()) {
        if (held.isEmpty()) {
          throw new UpstreamException(UpstreamException.Kind.EMPTY_RESPONSE, "",
              "The upstream opened a stream and closed it without sending a single event.");
        }
        return CompletableFuture.completedFuture(resumed(streaming, held, Source.empty()));
      }
      held.addAll(first);
      if (!untilToken || carriesToken(first.get(0))) {
        return CompletableFuture.completedFuture(resumed(streaming, held, rest));
      }
      return next(streaming, rest, held, true);
    });
  }

  private static UpstreamReply resumed(UpstreamReply.Streaming streaming, List<ByteString> held,
      Source<ByteString, NotUsed> rest) {
    return new UpstreamReply.Streaming(HeldEvents.before(held, rest), streaming.signals(), streaming.requestId());
  }

  /** Whether an event carries content (see the class comment). */
  public static boolean carriesToken(ByteString event) {
    String text = event.utf8String();
    for (String field : CONTENT) {
      int at = text.indexOf(field);
      while (at >= 0) {
        int value = at + field.length();
        if (value < text.length() && text.charAt(value) != '"') return true;
        at = text.indexOf(field, value);
      }
    }
    for (String token : OTHER_TOKENS) {
      if (text.contains(token)) return true;
    }
    return false;
  }
}
