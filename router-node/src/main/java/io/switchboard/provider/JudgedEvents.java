package io.switchboard.provider;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * One upstream stream's frames turned into the client's events by a state of its own, its end judged by
 * that state ({@link StreamEnds}): one stage per stream.
 *
 * <ul>
 *   <li>Each materialization gets a fresh state from {@code newState}; {@code onFrame} turns a frame into
 *       the events it gives (none, one or several) and may throw to fail the stream (a broken event).
 *   <li>When the frames end, {@code atEnd} gives the last events (the end marker the gateway adds), or
 *       throws when the stream was cut before its finish.
 *   <li>When the frames break off (a reset or a stall, {@link StreamEnds#brokeOff}) once {@code whole}
 *       says the answer finished, that is an end like any other; any other failure fails the stream.
 * </ul>
 *
 * <p>It does in one stage what a lazy source (for the per-stream state), a recovery, an end marker
 * concatenated after the frames, a map and a filter did in six and a sub-interpreter: a node holding
 * thousands of streams keeps each one's stages and their wiring.
 */
final class JudgedEvents<S> extends GraphStage<FlowShape<ByteString, ByteString>> {
  private final Inlet<ByteString> in = Inlet.create("JudgedEvents.in");
  private final Outlet<ByteString> out = Outlet.create("JudgedEvents.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
  private final Supplier<S> newState;
  private final BiFunction<ByteString, S, List<ByteString>> onFrame;
  private final Function<S, List<ByteString>> atEnd;
  private final Predicate<S> whole;

  JudgedEvents(Supplier<S> newState, BiFunction<ByteString, S, List<ByteString>> onFrame,
      Function<S, List<ByteString>> atEnd, Predicate<S> whole) {
    this.newState = newState;
    this.onFrame = onFrame;
    this.atEnd = atEnd;
    this.whole = whole;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public Attributes initialAttributes() {
    return Attributes.name("judgedEvents");
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    S state = newState.get();
    return new GraphStageLogic(shape) {
      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            List<ByteString> events;
            try {
              events = onFrame.apply(grab(in), state);
            } catch (RuntimeException e) {
              failStage(e);
              return;
            }
            // Out was pulled (a frame is only asked for then): the usual single event goes straight out.
            if (events.isEmpty()) pull(in);
            else if (events.size() == 1) push(out, events.get(0));
            else emitMultiple(out, events.iterator());
          }

          @Override
          public void onUpstreamFinish() {
            end();
          }

          @Override
          public void onUpstreamFailure(Throwable failure) {
            if (StreamEnds.brokeOff(failure) && whole.test(state)) end();
            else failStage(failure);
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            pull(in);
          }
        });
      }

      private void end() {
        List<ByteString> last;
        try {
          last = atEnd.apply(state);
        } catch (RuntimeException e) {
          failStage(e);
          return;
        }
        emitMultiple(out, last.iterator(), this::completeStage);
      }
    };
  }
}
