package io.switchboard.http.connection;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;

/**
 * Which guard watches the connections accepted on each local port of this actor system. Pekko creates
 * {@link H2cAcceptHook} itself, once per actor system, so the server hands it its guard through here.
 */
final class GuardedPorts implements Extension {
  private static final AbstractExtensionId<GuardedPorts> ID = new AbstractExtensionId<>() {
    @Override
    public GuardedPorts createExtension(ExtendedActorSystem system) {
      return new GuardedPorts();
    }
  };

  private final Map<Integer, ConnectionGuard> guards = new ConcurrentHashMap<>();

  static GuardedPorts get(ActorSystem system) {
    return ID.get(system);
  }

  void guard(int port, ConnectionGuard guard) {
    guards.put(port, guard);
  }

  void release(int port, ConnectionGuard guard) {
    guards.remove(port, guard);
  }

  Optional<ConnectionGuard> guardOf(int port) {
    return Optional.ofNullable(guards.get(port));
  }
}
