package io.switchboard.provider.openai;

import io.switchboard.provider.StreamEnds;
import io.switchboard.provider.StreamFault;
import io.switchboard.provider.UpstreamHttp;
import java.util.List;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * An OpenAI upstream's stream as the client gets it: each event checked ({@link ChunkCheck}), error
 * events cleaned of credentials, and the end judged by what came before it.
 *
 * <ul>
 *   <li>An event that breaks the protocol fails the stream ({@link StreamFault#MALFORMED_EVENT}); none
 *       of its bytes are passed on.
 *   <li>A stream that ends, breaks off or stalls after a chunk with a {@code finish_reason} is whole:
 *       what came (the finish, the usage chunk) has gone out, and the gateway adds {@code data: [DONE]}.
 *       OpenAI-compatible servers that forget the marker are common; the answer is not lost for it.
 *   <li>One that ends before its finish was cut ({@link StreamFault#RESET}).
 * </ul>
 */
final class CheckedChunks {
  private static final ByteString EVENT_END = ByteString.fromString("\n\n");

  private CheckedChunks() {}

  static Source<ByteString, NotUsed> of(Source<ByteString, NotUsed> frames, ChunkCheck check, UpstreamHttp http) {
    return StreamEnds.judged(frames, State::new, (frame, state) -> {
      if (state.over) return List.of();
      return switch (check.check(frame)) {
        case CHUNK, COMMENT -> List.of(frame.concat(EVENT_END));
        case FINISH -> {
          state.finished = true;
          yield List.of(frame.concat(EVENT_END));
        }
        case DONE -> {
          state.over = true;
          yield List.of(frame.concat(EVENT_END));
        }
        case ERROR -> {
          state.over = true;
          yield List.of(ByteString.fromString(http.redact(frame.utf8String())).concat(EVENT_END));
        }
      };
    }, state -> state.ended(http), state -> state.finished);
  }

  /** One stream's progress; touched only by its own stage, one element at a time. */
  private static final class State {
    boolean finished;
    /** {@code [DONE]} or an error event came: nothing after it is passed on. */
    boolean over;

    List<ByteString> ended(UpstreamHttp http) {
      if (over) return List.of();
      if (finished) return List.of(UpstreamHttp.OPENAI_DONE);
      throw http.inStream(StreamFault.RESET, "Provider '" + http.provider()
          + "' ended the stream before its finish (no chunk with a 'finish_reason', no 'data: [DONE]').", null);
    }
  }
}
