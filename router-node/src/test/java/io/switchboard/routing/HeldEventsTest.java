package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link HeldEvents}: the events held back while a stream was judged begun reach the client before
 * anything the rest of the stream does, even when the rest has already failed or ended.
 */
@Tag("unit")
class HeldEventsTest {
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

  private static final List<ByteString> HELD = List.of(ByteString.fromString("a"), ByteString.fromString("b"));

  /** Each element as it reaches the sink, and how the stream ended. */
  private static Pair<List<String>, Throwable> run(Source<ByteString, ?> source) throws Exception {
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    CompletableFuture<Done> done = source.runWith(Sink.foreach(e -> seen.add(e.utf8String())), materializer)
        .toCompletableFuture();
    try {
      done.get(10, TimeUnit.SECONDS);
      return Pair.create(seen, null);
    } catch (ExecutionException e) {
      return Pair.create(seen, e.getCause());
    }
  }

  @Test
  void heldEventsComeFirst_thenTheRest() throws Exception {
    Pair<List<String>, Throwable> result = run(HeldEvents.before(HELD,
        Source.from(List.of(ByteString.fromString("c"), ByteString.fromString("d")))));
    assertEquals(List.of("a", "b", "c", "d"), result.first());
    assertEquals(null, result.second());
  }

  @Test
  void aRestThatHasAlreadyFailed_failsTheStreamOnlyAfterTheHeldEvents() throws Exception {
    IllegalStateException broken = new IllegalStateException("the next event was broken");
    Pair<List<String>, Throwable> result = run(HeldEvents.before(HELD, Source.failed(broken)));
    assertEquals(List.of("a", "b"), result.first(), "every held event reached the client");
    assertSame(broken, result.second());
  }

  @Test
  void aRestThatHasAlreadyEnded_endsTheStreamAfterTheHeldEvents() throws Exception {
    Pair<List<String>, Throwable> result = run(HeldEvents.before(HELD, Source.empty()));
    assertEquals(List.of("a", "b"), result.first());
    assertEquals(null, result.second());
  }

  @Test
  void theRestIsNotPulledBeforeTheHeldEventsAreOut() throws Exception {
    AtomicInteger pulledBefore = new AtomicInteger(-1);
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    Source<ByteString, org.apache.pekko.NotUsed> rest = Source.unfold(0, n -> {
      if (n == 0) pulledBefore.set(seen.size());
      return n < 1 ? java.util.Optional.of(Pair.create(n + 1, ByteString.fromString("c"))) : java.util.Optional.empty();
    });
    // Fused with the sink in one interpreter: the sink asks for the next element once it has the one before.
    HeldEvents.before(HELD, rest)
        .runWith(Sink.foreach(e -> seen.add(e.utf8String())), materializer).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(List.of("a", "b", "c"), seen);
    assertEquals(2, pulledBefore.get(), "the rest is first pulled once both held events reached the sink");
  }

  @Test
  void aClientThatLeaves_cancelsTheRest() throws Exception {
    CompletableFuture<Done> restEnded = new CompletableFuture<>();
    Source<ByteString, org.apache.pekko.NotUsed> rest = Source.<ByteString>never().watchTermination((mat, done) -> {
      done.whenComplete((ok, error) -> restEnded.complete(Done.getInstance()));
      return org.apache.pekko.NotUsed.getInstance();
    });
    List<ByteString> first = HeldEvents.before(HELD, rest).take(1).runWith(Sink.seq(), materializer)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(List.of(ByteString.fromString("a")), first);
    restEnded.get(10, TimeUnit.SECONDS);
  }

  @Test
  void nothingHeld_isTheRestItself() {
    Source<ByteString, org.apache.pekko.NotUsed> rest = Source.single(ByteString.fromString("c"));
    assertSame(rest, HeldEvents.before(List.of(), rest));
  }
}
