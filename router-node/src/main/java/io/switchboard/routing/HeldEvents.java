package io.switchboard.routing;

import java.util.List;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * A stream's first events, held back while the call was judged begun, put back in front of the rest.
 *
 * <p>The held events go out first, whatever the rest does meanwhile: a rest that has already failed (the
 * upstream's next event was broken, the connection was reset) or ended fails or ends the stream only once
 * the held events are out, so the client gets everything that was good. The rest is not pulled before.
 *
 * <p>One stage on the rest: no concatenation and no lazy source (whose inner source runs in an
 * interpreter of its own) for each stream a node holds.
 */
public final class HeldEvents {
  private HeldEvents() {}

  /** {@code held}, then {@code rest}; see the class comment for a rest that ends or fails early. */
  public static Source<ByteString, NotUsed> before(List<ByteString> held, Source<ByteString, NotUsed> rest) {
    return held.isEmpty() ? rest : rest.via(new Prepend(List.copyOf(held)));
  }

  private static final class Prepend extends GraphStage<FlowShape<ByteString, ByteString>> {
    private final Inlet<ByteString> in = Inlet.create("HeldEvents.in");
    private final Outlet<ByteString> out = Outlet.create("HeldEvents.out");
    private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
    private final List<ByteString> held;

    Prepend(List<ByteString> held) {
      this.held = held;
    }

    @Override
    public FlowShape<ByteString, ByteString> shape() {
      return shape;
    }

    @Override
    public Attributes initialAttributes() {
      return Attributes.name("heldEvents");
    }

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
      return new GraphStageLogic(shape) {
        /** The next held event to send; {@code held.size()} once all are out. */
        private int next;
        private boolean restEnded;
        private Throwable restFailed;

        {
          setHandler(in, new AbstractInHandler() {
            @Override
            public void onPush() {
              push(out, grab(in));
            }

            @Override
            public void onUpstreamFinish() {
              if (next < held.size()) restEnded = true;
              else completeStage();
            }

            @Override
            public void onUpstreamFailure(Throwable failure) {
              if (next < held.size()) restFailed = failure;
              else failStage(failure);
            }
          });
          setHandler(out, new AbstractOutHandler() {
            @Override
            public void onPull() {
              if (next == held.size()) {
                pull(in);
                return;
              }
              push(out, held.get(next++));
              if (next < held.size()) return;
              // The last held event is out: what the rest did meanwhile takes effect now, after it.
              if (restFailed != null) failStage(restFailed);
              else if (restEnded) completeStage();
            }
          });
        }
      };
    }
  }
}
