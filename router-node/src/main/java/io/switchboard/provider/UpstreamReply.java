package io.switchboard.provider;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * A usable upstream answer, already in the OpenAI dialect, with what the upstream said about its
 * limits in the answer's headers.
 */
public sealed interface UpstreamReply {

  UpstreamSignals signals();

  /**
   * The upstream's own id for this call (Anthropic's {@code request-id}, OpenAI's {@code x-request-id}),
   * which an Anthropic client is told as its {@code request-id}; null when the upstream gave none.
   */
  String requestId();

  /** A whole chat completion object as JSON bytes. */
  record Complete(ByteString body, UpstreamSignals signals, String requestId) implements UpstreamReply {
    public Complete(ByteString body, UpstreamSignals signals) {
      this(body, signals, null);
    }

    public Complete(ByteString body) {
      this(body, UpstreamSignals.NONE);
    }
  }

  /**
   * A stream of complete server-sent events, each ending in a blank line, the last one being
   * {@code data: [DONE]}. The source fails with {@link UpstreamException} when the upstream does;
   * cancelling it cancels the upstream call.
   */
  record Streaming(Source<ByteString, NotUsed> events, UpstreamSignals signals, String requestId)
      implements UpstreamReply {
    public Streaming(Source<ByteString, NotUsed> events, UpstreamSignals signals) {
      this(events, signals, null);
    }

    public Streaming(Source<ByteString, NotUsed> events) {
      this(events, UpstreamSignals.NONE);
    }
  }
}
