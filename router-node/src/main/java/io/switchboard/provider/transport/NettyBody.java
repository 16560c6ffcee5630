package io.switchboard.provider.transport;

import java.util.ArrayDeque;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * A response body read from a Netty connection: the connection's event loop pushes chunks to it as it
 * reads them, at most {@value #WINDOW} ahead of what the stream downstream has taken, and the stage
 * asks for more half a window at a time. So a chunk costs one hand-off from the event loop, and the
 * event loop is woken for more only every other chunk, where a request per chunk and a future per
 * answer cost two hand-offs a chunk. A slow reader still holds the upstream back: nothing beyond the
 * window is read from the socket.
 */
final class NettyBody extends GraphStage<SourceShape<ByteString>> {
  /** Chunks the event loop may send ahead of the stream's demand. */
  static final int WINDOW = 4;

  /** What the body's stage is told, on the event loop's thread; each is handed to the stage in order. */
  interface Reader {
    void chunk(ByteString chunk);

    void end();

    void fail(Throwable error);
  }

  /**
   * The connection's side of one body. Its methods are called on the stage's thread and must not call
   * the reader back on it: the reader is told on the connection's own thread (its event loop).
   */
  interface Feed {
    /** Starts delivering to {@code reader}, up to {@code credit} chunks; a second open fails its reader. */
    void open(Reader reader, int credit);

    /** {@code credit} more chunks may be delivered. */
    void more(int credit);

    /** The stage is done with the body: at its end, or cancelled or failed part-way. */
    void close();
  }

  private static final Object END = new Object();

  private final Feed feed;
  private final Outlet<ByteString> out = Outlet.create("NettyBody.out");
  private final SourceShape<ByteString> shape = SourceShape.of(out);

  NettyBody(Feed feed) {
    this.feed = feed;
  }

  @Override
  public SourceShape<ByteString> shape() {
    return shape;
  }

  @Override
  public Attributes initialAttributes() {
    return Attributes.name("nettyBody");
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new GraphStageLogic(shape) {
      private final ArrayDeque<ByteString> buffered = new ArrayDeque<>(WINDOW);
      /** What came after the buffered chunks: {@link #END}, a failure, or null. */
      private Object last;
      private int taken;

      {
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            ByteString next = buffered.poll();
            if (next != null) {
              push(out, next);
              afterPush();
            }
          }
        });
      }

      @Override
      public void preStart() {
        AsyncCallback<Object> events = createAsyncCallback(this::onEvent);
        feed.open(new Reader() {
          @Override
          public void chunk(ByteString chunk) {
            events.invoke(chunk);
          }

          @Override
          public void end() {
            events.invoke(END);
          }

          @Override
          public void fail(Throwable error) {
            events.invoke(error);
          }
        }, WINDOW);
      }

      private void onEvent(Object event) {
        if (event instanceof ByteString chunk) {
          if (buffered.isEmpty() && isAvailable(out)) {
            push(out, chunk);
            afterPush();
          } else {
            buffered.add(chunk);
          }
        } else {
          last = event;
          if (buffered.isEmpty()) finishWith(last);
        }
      }

      /** After a chunk went out: more credit every half window, and the end once the buffer is drained. */
      private void afterPush() {
        if (++taken == WINDOW / 2) {
          taken = 0;
          feed.more(WINDOW / 2);
        }
        if (buffered.isEmpty() && last != null) finishWith(last);
      }

      private void finishWith(Object event) {
        if (event == END) completeStage();
        else failStage((Throwable) event);
      }

      @Override
      public void postStop() {
        feed.close();
      }
    };
  }
}
