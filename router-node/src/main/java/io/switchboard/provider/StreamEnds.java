package io.switchboard.provider;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * When an upstream stream is whole. A stream is whole once its answer has finished (an OpenAI chunk
 * with a {@code finish_reason}, Anthropic's {@code message_delta} with its {@code stop_reason}, Ollama's
 * {@code done} line), whether or not its end marker follows: a connection that then breaks or stalls
 * loses nothing the client needs. Before that, an end is a cut ({@link StreamFault#RESET}).
 */
public final class StreamEnds {
  private StreamEnds() {}

  /**
   * Whether {@code failure} broke off a stream (a reset or a stall) rather than spoiling it: after the
   * answer's finish such a stream is still whole.
   */
  public static boolean brokeOff(Throwable failure) {
    return failure instanceof UpstreamException e
        && e.streamFault().filter(f -> f != StreamFault.MALFORMED_EVENT).isPresent();
  }

  /**
   * {@code frames} turned into the client's events by a state of each stream's own, in one stage
   * ({@link JudgedEvents}): {@code onFrame} gives a frame's events (and may throw for a broken one),
   * {@code atEnd} the last events when the frames end (or throws: the stream was cut); a break-off once
   * {@code whole} says the answer finished is such an end, not a failure.
   */
  public static <S> Source<ByteString, NotUsed> judged(Source<ByteString, NotUsed> frames, Supplier<S> newState,
      BiFunction<ByteString, S, List<ByteString>> onFrame, Function<S, List<ByteString>> atEnd, Predicate<S> whole) {
    return frames.via(new JudgedEvents<>(newState, onFrame, atEnd, whole));
  }

  /**
   * A stream in another dialect translated into OpenAI events, ending with {@code data: [DONE]} once the
   * translator says the upstream finished ({@code complete}), after the events {@code closing} adds
   * then. A stream that ends, or breaks off, before that fails as {@link StreamFault#RESET}
   * ({@code missingEnd} names what never came).
   *
   * <p>A translator keeps one stream's state, so each materialization gets its own ({@link #judged}).
   */
  public static <S> Source<ByteString, NotUsed> translated(UpstreamHttp http, Source<ByteString, NotUsed> frames,
      Supplier<S> newTranslator, BiFunction<ByteString, S, List<ByteString>> translate, Predicate<S> complete,
      Function<S, List<ByteString>> closing, String missingEnd) {
    return judged(frames, newTranslator, translate, translator -> {
      if (!complete.test(translator)) {
        throw http.inStream(StreamFault.RESET, "Provider '" + http.provider() + "' answered with " + missingEnd + ".",
            null);
      }
      List<ByteString> last = new ArrayList<>(closing.apply(translator));
      last.add(UpstreamHttp.OPENAI_DONE);
      return last;
    }, complete);
  }
}
