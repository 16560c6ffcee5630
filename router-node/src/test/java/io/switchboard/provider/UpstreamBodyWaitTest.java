package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The upstream connection pools keep a response whose body the gateway has not started to read for
 * 10 s, not Pekko's 1 s: on a starved node (a rolling restart on busy cores) 1 s passed before a
 * stream's body was read, the pool discarded it, and the gateway answered 504 after its stream-idle
 * timeout and counted it against the upstream's breaker.
 */
@Tag("unit")
class UpstreamBodyWaitTest {

  @Test
  void thePoolsTheGatewayBuilds_waitTenSecondsForABodyToBeRead() {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "body-wait", ConfigFactory.load());
    try {
      scala.concurrent.duration.Duration wait = ConnectionPoolSettings.create(system.classicSystem())
          .getResponseEntitySubscriptionTimeout();
      assertEquals(Duration.ofSeconds(10).toMillis(), wait.toMillis());
    } finally {
      system.terminate();
    }
  }
}
