package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link StreamEnds#judged}: each stream's own state, its frames turned into events (none, one or several),
 * its end judged by that state, and a break-off after the answer's finish taken as an end.
 */
@Tag("unit")
class JudgedEventsTest {
  private static ActorTestKit kit;
  private static Materializer materializer;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create();
    materializer = Materializer.matFromSystem(kit.system());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** A stream's progress: whether "fin" came. */
  private static final class Seen {
    boolean finished;
    final List<String> frames = new ArrayList<>();
  }

  private static final UpstreamException CUT =
      UpstreamException.inStream(StreamFault.RESET, "p", "ended before its finish", null);

  /** "skip" gives nothing, "two" two events, "bad" fails, "fin" finishes; the end adds "END" or fails as cut. */
  private static Source<ByteString, NotUsed> judged(Source<ByteString, NotUsed> frames) {
    return StreamEnds.judged(frames, Seen::new, (frame, seen) -> {
      String text = frame.utf8String();
      seen.frames.add(text);
      return switch (text) {
        case "skip" -> List.of();
        case "two" -> List.of(ByteString.fromString("two-1"), ByteString.fromString("two-2"));
        case "bad" -> throw StreamFault.malformedEvent("p", "a broken event");
        case "fin" -> {
          seen.finished = true;
          yield List.of(frame);
        }
        default -> List.of(frame);
      };
    }, seen -> {
      if (!seen.finished) throw CUT;
      return List.of(ByteString.fromString("END"));
    }, seen -> seen.finished);
  }

  private record Result(List<String> events, Throwable failure) {}

  private static Result run(Source<ByteString, ?> source) throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    try {
      source.runWith(Sink.foreach(e -> seen.add(e.utf8String())), materializer).toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      return new Result(seen, null);
    } catch (ExecutionException e) {
      return new Result(seen, e.getCause());
    }
  }

  private static Source<ByteString, NotUsed> frames(String... frames) {
    return Source.from(List.of(frames)).map(ByteString::fromString);
  }

  /** {@code frames}, then the stream fails with {@code failure} (an eager {@code concat} would fail it at once). */
  private static Source<ByteString, NotUsed> failing(RuntimeException failure, String... frames) {
    List<String> all = new ArrayList<>(List.of(frames));
    all.add("\u0000fail");
    return Source.from(all).map(frame -> {
      if (frame.equals("\u0000fail")) throw failure;
      return ByteString.fromString(frame);
    });
  }

  @Test
  void framesBecomeNoneOneOrSeveralEvents_andAWholeStreamGetsItsLastEvents() throws Exception {
    Result result = run(judged(frames("a", "skip", "two", "fin")));
    assertEquals(List.of("a", "two-1", "two-2", "fin", "END"), result.events());
    assertEquals(null, result.failure());
  }

  @Test
  void aStreamThatEndsBeforeItsFinish_failsAsCut_afterWhatCame() throws Exception {
    Result result = run(judged(frames("a", "two")));
    assertEquals(List.of("a", "two-1", "two-2"), result.events());
    assertSame(CUT, result.failure());
  }

  @Test
  void aBrokenFrame_failsTheStream_andNothingOfItIsPassedOn() throws Exception {
    Result result = run(judged(frames("a", "bad", "b", "fin")));
    assertEquals(List.of("a"), result.events());
    assertEquals(java.util.Optional.of(StreamFault.MALFORMED_EVENT), ((UpstreamException) result.failure()).streamFault());
  }

  @Test
  void aBreakOffAfterTheFinish_isAnEnd() throws Exception {
    UpstreamException reset = UpstreamException.inStream(StreamFault.RESET, "p", "connection reset", null);
    Result result = run(judged(failing(reset, "a", "fin")));
    assertEquals(List.of("a", "fin", "END"), result.events());
    assertEquals(null, result.failure());
  }

  @Test
  void aBreakOffBeforeTheFinish_andAnyOtherFailure_failTheStream() throws Exception {
    UpstreamException stall = UpstreamException.inStream(StreamFault.STALL, "p", "silent", null);
    Result beforeFinish = run(judged(failing(stall, "a")));
    assertEquals(List.of("a"), beforeFinish.events());
    assertSame(stall, beforeFinish.failure());

    IllegalStateException bug = new IllegalStateException("not a break-off");
    Result afterFinish = run(judged(failing(bug, "fin")));
    assertEquals(List.of("fin"), afterFinish.events());
    assertSame(bug, afterFinish.failure());
  }

  @Test
  void eachStreamHasItsOwnState() throws Exception {
    AtomicInteger states = new AtomicInteger();
    Source<ByteString, NotUsed> source = StreamEnds.judged(frames("x", "y"), () -> {
      states.incrementAndGet();
      return new int[1];
    }, (frame, count) -> List.of(ByteString.fromString(frame.utf8String() + (++count[0]))),
        count -> List.of(), count -> true);
    assertEquals(List.of("x1", "y2"), run(source).events());
    assertEquals(List.of("x1", "y2"), run(source).events(), "the second run counts from its own start");
    assertEquals(2, states.get());
  }
}
