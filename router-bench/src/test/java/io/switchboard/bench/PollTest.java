package io.switchboard.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A runner's wait: until the check holds, not past the time given, and a failing check ends it. */
@Tag("unit")
class PollTest {
  @Test
  void waitsUntilTheCheckHolds() throws Exception {
    AtomicInteger checks = new AtomicInteger();
    assertTrue(Poll.until(() -> checks.incrementAndGet() == 3, Duration.ofMillis(1), Duration.ofSeconds(30)));
    assertEquals(3, checks.get(), "checked until it held, and not after");
  }

  @Test
  void givesUpWhenTheTimeIsUp() throws Exception {
    assertFalse(Poll.until(() -> false, Duration.ofMillis(1), Duration.ofMillis(20)));
  }

  @Test
  void aCheckThatFails_endsTheWait() {
    IllegalStateException thrown = assertThrows(IllegalStateException.class,
        () -> Poll.until(() -> {
          throw new IllegalStateException("the node exited");
        }, Duration.ofMillis(1), Duration.ofSeconds(30)));
    assertEquals("the node exited", thrown.getMessage());
  }
}
