package io.switchboard.provider;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/** A usable upstream answer, already in the OpenAI dialect. */
public sealed interface UpstreamReply {

  /** A whole chat completion object as JSON bytes. */
  record Complete(ByteString body) implements UpstreamReply {}

  /**
   * A stream of complete server-sent events, each ending in a blank line, the last one being
   * {@code data: [DONE]}. The source fails with {@link UpstreamException} when the upstream does;
   * cancelling it cancels the upstream call.
   */
  record Streaming(Source<ByteString, NotUsed> events) implements UpstreamReply {}
}
