package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What tells a permit that its node is shutting down: true from the first phase of the node's
 * coordinated shutdown, when the node turns unready and its calls may start to be cut, not only once
 * the actor system stops.
 */
@Tag("unit")
class NodeLeavingTest {
  @Test
  void aNodeIsLeaving_fromTheFirstPhaseOfItsShutdown() throws Exception {
    ActorTestKit kit = ActorTestKit.create();
    try {
      BooleanSupplier leaving = Providers.nodeLeaving(kit.system());
      assertFalse(leaving.getAsBoolean(), "a running node is not leaving");
      CompletableFuture<Boolean> seenInFirstPhase = new CompletableFuture<>();
      CoordinatedShutdown shutdown = CoordinatedShutdown.get(kit.system());
      shutdown.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "observe", () -> {
        seenInFirstPhase.complete(leaving.getAsBoolean());
        return CompletableFuture.completedFuture(Done.getInstance());
      });
      shutdown.run(CoordinatedShutdown.jvmExitReason());
      assertTrue(seenInFirstPhase.get(10, TimeUnit.SECONDS), "leaving while the shutdown's first phase runs");
    } finally {
      kit.shutdownTestKit();
    }
  }
}
