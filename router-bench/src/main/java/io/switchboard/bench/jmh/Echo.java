package io.switchboard.bench.jmh;

import io.switchboard.JsonSerializable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The cluster benchmark's baseline: an actor that answers every {@link Ping} with a {@link Pong},
 * serialized like Switchboard's own messages (JSON), so a remote ask of it costs what Artery and
 * serialization cost on this machine, with no sharding and no admission logic.
 */
final class Echo {
  private Echo() {}

  /** Asks for a {@link Pong} carrying {@code sequence}. */
  record Ping(long sequence, ActorRef<Pong> replyTo) implements JsonSerializable {}

  /** The answer. */
  record Pong(long sequence) implements JsonSerializable {}

  static Behavior<Ping> create() {
    return Behaviors.receiveMessage(ping -> {
      ping.replyTo().tell(new Pong(ping.sequence()));
      return Behaviors.same();
    });
  }
}
