package io.switchboard.provider.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link NettyBody}: a body's chunks reach the stream in order, then its end or failure; the stage never
 * lets the connection send more than its window ahead of what the stream took; and the connection is
 * told when the stream is done with the body, also when it is cancelled.
 */
@Tag("unit")
class NettyBodyTest {
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

  /**
   * A connection's side as its event loop plays it: on a thread of its own, chunks sent while the stage
   * has credit for them.
   */
  private static final class FakeFeed implements NettyBody.Feed {
    private final ExecutorService loop = Executors.newSingleThreadExecutor();
    private final ArrayDeque<ByteString> waiting = new ArrayDeque<>();
    private Object last; // "end", a Throwable, or null
    private NettyBody.Reader reader;
    private int credit;
    int granted;
    int sent;
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    FakeFeed(int chunks, Object last) {
      for (int i = 0; i < chunks; i++) waiting.add(ByteString.fromString("c" + i));
      this.last = last;
    }

    @Override
    public void open(NettyBody.Reader reader, int credit) {
      loop.execute(() -> {
        synchronized (this) {
          this.reader = reader;
        }
        grant(credit);
      });
    }

    @Override
    public void more(int credit) {
      loop.execute(() -> grant(credit));
    }

    private synchronized void grant(int credit) {
      this.credit += credit;
      granted += credit;
      while (this.credit > 0 && !waiting.isEmpty()) {
        this.credit--;
        sent++;
        reader.chunk(waiting.poll());
      }
      if (waiting.isEmpty() && last != null) {
        if (last instanceof Throwable error) reader.fail(error);
        else reader.end();
        last = null;
      }
    }

    synchronized int aheadOf(int taken) {
      return sent - taken;
    }

    @Override
    public void close() {
      loop.execute(() -> closed.complete(null));
      loop.shutdown();
    }
  }

  private static List<String> strings(List<ByteString> chunks) {
    List<String> out = new ArrayList<>();
    for (ByteString c : chunks) out.add(c.utf8String());
    return out;
  }

  @Test
  void everyChunkArrivesInOrder_thenTheEnd_andTheConnectionIsToldTheBodyIsDone() throws Exception {
    FakeFeed feed = new FakeFeed(10, "end");

    List<ByteString> body = Source.fromGraph(new NettyBody(feed)).runWith(Sink.seq(), materializer)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);

    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 10; i++) expected.add("c" + i);
    assertEquals(expected, strings(body));
    feed.closed.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aSlowReader_isNeverSentMoreThanTheWindowAheadOfWhatItTook() throws Exception {
    FakeFeed feed = new FakeFeed(100, "end");
    SinkQueueWithCancel<ByteString> reader = Source.fromGraph(new NettyBody(feed))
        .runWith(Sink.<ByteString>queue().withAttributes(Attributes.inputBuffer(1, 1)), materializer);

    int taken = 0;
    for (Optional<ByteString> chunk = next(reader); chunk.isPresent(); chunk = next(reader)) {
      assertEquals("c" + taken, chunk.get().utf8String());
      taken++;
      // What the stage holds plus the queue's one slot: the window, never more.
      assertTrue(feed.aheadOf(taken) <= NettyBody.WINDOW + 1, "sent " + feed.aheadOf(taken) + " ahead after " + taken);
    }
    assertEquals(100, taken);
    assertTrue(feed.granted <= 100 + NettyBody.WINDOW, "credit granted: " + feed.granted);
  }

  @Test
  void aFailure_comesAfterTheChunksThatCameBeforeIt() throws Exception {
    IOException reset = new IOException("connection reset");
    FakeFeed feed = new FakeFeed(3, reset);
    List<String> seen = new CopyOnWriteArrayList<>();

    CompletableFuture<?> done = Source.fromGraph(new NettyBody(feed))
        .runWith(Sink.foreach(c -> seen.add(c.utf8String())), materializer).toCompletableFuture();

    ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> done.get(10, TimeUnit.SECONDS));
    assertSame(reset, failed.getCause());
    assertEquals(List.of("c0", "c1", "c2"), seen);
    feed.closed.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aBodyTheStreamCancels_tellsTheConnection() throws Exception {
    FakeFeed feed = new FakeFeed(100, null); // an endless body

    List<ByteString> first = Source.fromGraph(new NettyBody(feed)).take(2).runWith(Sink.seq(), materializer)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertEquals(List.of("c0", "c1"), strings(first));
    feed.closed.get(10, TimeUnit.SECONDS);
  }

  private static Optional<ByteString> next(SinkQueueWithCancel<ByteString> reader) throws Exception {
    return reader.pull().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
