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

  /** A whole chat completion object as JSON bytes. */
  record Complete(ByteString body, UpstreamSignals signals) implements UpstreamReply {
    public Complete(ByteString body) {
      this(body, UpstreamSignals.NONE);
    }
  }

  /**
   * A stream of complete server-sent events, each ending in a blank line, the last one being
   * {@code data: [DONE]}. The source fails with {@link UpstreamException} when the upstream does;
   * cancelling it cancels the upstream call.
   */
  record Streaming(Source<ByteString, NotUsed> events, UpstreamSignals signals) implements UpstreamReply {
    public Streaming(Source<ByteString, NotUsed> events) {
      this(events, UpstreamSignals.NONE);
    }
  }
}
