package io.switchboard.provider;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.Graph;
import org.apache.pekko.stream.SourceShape;
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

  /** {@code frames}, ending instead of failing when they break off once {@code whole} says the answer finished. */
  public static Source<ByteString, NotUsed> quietOnceWhole(Source<ByteString, NotUsed> frames, BooleanSupplier whole) {
    return frames.recoverWithRetries(1, new PFBuilder<Throwable, Graph<SourceShape<ByteString>, NotUsed>>()
        .match(UpstreamException.class, e -> brokeOff(e) && whole.getAsBoolean(), e -> Source.<ByteString>empty())
        .build());
  }

  /**
   * A stream in another dialect translated into OpenAI events, ending with {@code data: [DONE]} once the
   * translator says the upstream finished ({@code complete}), after the events {@code closing} adds
   * then. A stream that ends, or breaks off, before that fails as {@link StreamFault#RESET}
   * ({@code missingEnd} names what never came).
   *
   * <p>A translator keeps one stream's state, so each materialization gets its own. The end is caught
   * with a marker element compared by identity: {@code statefulMap}'s completion callback cannot do it,
   * since it also runs when the upstream fails and would mask that error.
   */
  public static <S> Source<ByteString, NotUsed> translated(UpstreamHttp http, Source<ByteString, NotUsed> frames,
      Supplier<S> newTranslator, BiFunction<ByteString, S, List<ByteString>> translate, Predicate<S> complete,
      Function<S, List<ByteString>> closing, String missingEnd) {
    ByteString end = ByteString.fromString("end");
    return Source.lazySource(() -> {
      S translator = newTranslator.get();
      return quietOnceWhole(frames, () -> complete.test(translator))
          .mapConcat(frame -> translate.apply(frame, translator))
          .concat(Source.single(end))
          .mapConcat(event -> {
            if (event != end) return List.of(event);
            if (!complete.test(translator)) {
              throw http.inStream(StreamFault.RESET, "Provider '" + http.provider() + "' answered with "
                  + missingEnd + ".", null);
            }
            List<ByteString> last = new ArrayList<>(closing.apply(translator));
            last.add(UpstreamHttp.OPENAI_DONE);
            return last;
          });
    }).mapMaterializedValue(ignored -> NotUsed.getInstance());
  }
}
