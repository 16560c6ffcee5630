package io.switchboard.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class AwaitTest {

  @Test
  void returnsAsSoonAsTheConditionHolds() throws InterruptedException {
    AtomicInteger asked = new AtomicInteger();

    assertTrue(Await.until(() -> asked.incrementAndGet() == 3, Duration.ofSeconds(30), Duration.ofMillis(1)));
    assertEquals(3, asked.get());
  }

  @Test
  void givesUpAtTheTimeout() throws InterruptedException {
    assertFalse(Await.until(() -> false, Duration.ofMillis(20), Duration.ofMillis(5)));
  }

  @Test
  void anInterruptedWaitStops() {
    Thread.currentThread().interrupt();
    assertThrows(InterruptedException.class,
        () -> Await.until(() -> false, Duration.ofSeconds(30), Duration.ofMillis(5)));
  }
}
