package io.switchboard.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class SessionStoreTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T00:00:00Z"));

  @Test
  void valid_untilTheSessionTtlHasPassed() {
    SessionStore sessions = new SessionStore(clock, Duration.ofMinutes(30), 10);
    String id = sessions.open();

    clock.advance(Duration.ofMinutes(29));
    assertTrue(sessions.valid(id));
    clock.advance(Duration.ofMinutes(1));
    assertFalse(sessions.valid(id), "a session ends at its ttl");
    assertEquals(0, sessions.size(), "and is forgotten");
  }

  @Test
  void open_pastCapacityEndsTheOldestSession() {
    SessionStore sessions = new SessionStore(clock, Duration.ofHours(1), 2);
    String first = sessions.open();
    String second = sessions.open();
    String third = sessions.open();

    assertFalse(sessions.valid(first));
    assertTrue(sessions.valid(second));
    assertTrue(sessions.valid(third));
    assertEquals(2, sessions.size());
  }

  @Test
  void close_endsTheSessionAndIdsAreUnguessable() {
    SessionStore sessions = new SessionStore(clock, Duration.ofHours(1), 10);
    String id = sessions.open();
    String other = sessions.open();

    sessions.close(id);

    assertFalse(sessions.valid(id));
    assertTrue(sessions.valid(other));
    assertNotEquals(id, other);
    assertEquals(43, id.length(), "256 random bits, base64url");
  }
}
