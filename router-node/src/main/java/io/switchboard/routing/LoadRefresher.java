package io.switchboard.routing;

import java.time.Duration;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Refreshes a {@link LoadView} at a fixed rate. An actor rather than a bare scheduled task so that it
 * stops with the node that spawned it.
 */
final class LoadRefresher {
  private LoadRefresher() {}

  /** The timer's only message. */
  enum Tick { INSTANCE }

  static Behavior<Tick> create(LoadView view, Duration interval) {
    return Behaviors.withTimers(timers -> {
      timers.startTimerAtFixedRate(Tick.INSTANCE, interval);
      view.refresh();
      return Behaviors.receiveMessage(tick -> {
        view.refresh();
        return Behaviors.same();
      });
    });
  }
}
