package io.switchboard.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.switchboard.LogCapture;
import io.switchboard.ManualClock;
import io.switchboard.config.PersistenceSettings;
import io.switchboard.config.ResponseStoreSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.persistence.PersistenceConfig;
import io.switchboard.persistence.Schema;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;

/**
 * Stored responses on a real database, across restarts of the whole actor system: a stored response
 * comes back, a deleted or expired one does not, and once removed its content is gone from the
 * database's tables (only a tombstone stays). Subclasses choose the database.
 */
abstract class ResponseStoreContract {
  private static final Duration RETENTION = Duration.ofDays(30);
  private static final ResponseStoreSettings SETTINGS = new ResponseStoreSettings(RETENTION, Duration.ofMinutes(2),
      Duration.ofSeconds(20), Duration.ofHours(1), 50);
  /** Sweeps for expired responses one after another, so a test sees one soon. */
  private static final ResponseStoreSettings SWEEPING = new ResponseStoreSettings(RETENTION, Duration.ofMinutes(2),
      Duration.ofSeconds(20), Duration.ofMillis(200), 1000);

  /** The test kit configuration for the store under test. */
  abstract Config config();

  abstract Map<String, String> env();

  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-06T10:00:00Z"));

  private PersistenceSettings persistence() {
    return SwitchboardSettings.from(config(), env()::get).persistence();
  }

  private ActorTestKit start(String name) {
    ActorTestKit kit = ActorTestKit.create(name, config());
    await(Schema.create(kit.system(), persistence()));
    return kit;
  }

  private static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private StoredResponse response(String id, String marker) {
    return new StoredResponse(id, "key_owner", clock.instant().getEpochSecond(), "resp_before",
        "[{\"type\":\"message\",\"role\":\"user\",\"content\":\"" + marker + " question\"}]",
        "{\"id\":\"" + id + "\",\"object\":\"response\",\"output\":[{\"type\":\"message\",\"content\":[{\"type\":"
            + "\"output_text\",\"text\":\"" + marker + " answer\"}]}]}");
  }

  @Test
  void storedResponse_survivesARestartOfTheWholeActorSystem() {
    StoredResponse stored = response("resp_restart", "kept-across-restart");
    ActorTestKit first = start("responses-first");
    try {
      await(ShardedResponseStore.start(first.system(), clock, SETTINGS).put(stored));
    } finally {
      first.shutdownTestKit();
    }

    ActorTestKit second = start("responses-second");
    try {
      ShardedResponseStore store = ShardedResponseStore.start(second.system(), clock, SETTINGS);
      assertEquals(Optional.of(stored), await(store.get("resp_restart", "key_owner")));
      assertEquals(Optional.empty(), await(store.get("resp_restart", "key_other")), "still its owner's only");
    } finally {
      second.shutdownTestKit();
    }
  }

  @Test
  void deletedResponse_leavesNoContentInTheDatabase_andStaysDeletedAfterARestart() throws SQLException {
    String marker = "deleted-content-7f3a";
    StoredResponse stored = response("resp_deleted", marker);
    ActorTestKit first = start("responses-delete-first");
    try {
      ShardedResponseStore store = ShardedResponseStore.start(first.system(), clock, SETTINGS);
      await(store.put(stored));
      assertTrue(rowsHolding("resp_deleted", marker) > 0, "the stored content is in the database");
      assertTrue(await(store.delete("resp_deleted", "key_owner")));
      // The event with the content is deleted once the tombstone's snapshot is written, just after.
      first.createTestProbe().awaitAssert(Duration.ofSeconds(20), () -> {
        assertEquals(0, rowsHolding("resp_deleted", marker), "no row of the journal or snapshots holds the content");
        return null;
      });
    } finally {
      first.shutdownTestKit();
    }

    ActorTestKit second = start("responses-delete-second");
    try {
      ShardedResponseStore store = ShardedResponseStore.start(second.system(), clock, SETTINGS);
      assertEquals(Optional.empty(), await(store.get("resp_deleted", "key_owner")), "not resurrected on recovery");
      assertFalse(await(store.delete("resp_deleted", "key_owner")));
      Throwable refused = store.put(stored).toCompletableFuture().handle((done, error) -> error).join();
      assertTrue(refused != null, "a put under a removed response's id is refused");
      assertEquals(Optional.empty(), await(store.get("resp_deleted", "key_owner")), "its id cannot be reused");
    } finally {
      second.shutdownTestKit();
    }
  }

  @Test
  void expiredResponse_isRemovedOnAccess_evenAfterARestart_andItsContentLeavesTheDatabase() throws SQLException {
    String marker = "expired-content-91bc";
    StoredResponse stored = response("resp_expired", marker);
    ActorTestKit first = start("responses-expire-first");
    try {
      await(ShardedResponseStore.start(first.system(), clock, SETTINGS).put(stored));
    } finally {
      first.shutdownTestKit();
    }

    clock.advance(RETENTION);
    ActorTestKit second = start("responses-expire-second");
    try {
      ShardedResponseStore store = ShardedResponseStore.start(second.system(), clock, SETTINGS);
      assertEquals(Optional.empty(), await(store.get("resp_expired", "key_owner")), "its retention has ended");
      second.createTestProbe().awaitAssert(Duration.ofSeconds(20), () -> {
        assertEquals(0, rowsHolding("resp_expired", marker), "the expired content is removed from the database");
        return null;
      });
    } finally {
      second.shutdownTestKit();
    }
  }

  @Test
  void expiredResponseThatNobodyAsksFor_isRemovedByTheSweep_andAYoungerOneIsKept() throws SQLException {
    String expiredMarker = "swept-content-5d21";
    String youngMarker = "young-content-c83e";
    StoredResponse expired = response("resp_swept_expired", expiredMarker);
    StoredResponse young;
    ActorTestKit first = start("responses-sweep-first");
    try {
      ShardedResponseStore store = ShardedResponseStore.start(first.system(), clock, SETTINGS);
      await(store.put(expired));
      clock.advance(RETENTION.minusDays(1));
      young = response("resp_swept_young", youngMarker);
      await(store.put(young));
    } finally {
      first.shutdownTestKit();
    }

    clock.advance(Duration.ofDays(1)); // the first one's retention ends; the second has 29 days left
    ActorTestKit second = start("responses-sweep-second");
    try (LogCapture log = LogCapture.start()) {
      ShardedResponseStore store = ShardedResponseStore.start(second.system(), clock, SWEEPING);
      // Nobody reads either response: only the sweep can remove the expired one.
      second.createTestProbe().awaitAssert(Duration.ofSeconds(30), () -> {
        assertEquals(0, rowsHolding("resp_swept_expired", expiredMarker), "the sweep removed the expired content");
        assertTrue(log.lines().stream().anyMatch(line -> line.matches(
            "(?s)INFO .*Swept stored responses: [1-9][0-9]* checked, [1-9][0-9]* expired removed.*")),
            "a sweep that removed a response reported what it did: " + log.lines());
        return null;
      });
      // Every sweep of this actor system ran after both clocks moved, so the young one was checked and kept.
      assertTrue(rowsHolding("resp_swept_young", youngMarker) > 0, "the young response is still stored");
      assertEquals(Optional.of(young), await(store.get("resp_swept_young", "key_owner")));
      assertEquals(Optional.empty(), await(store.get("resp_swept_expired", "key_owner")));
    } finally {
      second.shutdownTestKit();
    }
  }

  /** Rows of the journal and the snapshot table of {@code responseId} whose payload contains {@code text}. */
  private int rowsHolding(String responseId, String text) throws SQLException {
    PersistenceSettings settings = persistence();
    String persistenceId = ResponseEntity.persistenceId(responseId).id();
    List<byte[]> payloads = new ArrayList<>();
    try (Connection connection = connect(settings)) {
      for (String sql : new String[] {
          "SELECT event_payload FROM event_journal WHERE persistence_id = ?",
          "SELECT snapshot_payload FROM snapshot WHERE persistence_id = ?"}) {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
          query.setString(1, persistenceId);
          try (ResultSet rows = query.executeQuery()) {
            while (rows.next()) payloads.add(rows.getBytes(1));
          }
        }
      }
    }
    return (int) payloads.stream().filter(p -> new String(p, StandardCharsets.UTF_8).contains(text)).count();
  }

  private Connection connect(PersistenceSettings settings) throws SQLException {
    return switch (settings.store()) {
      case H2, H2_MEMORY -> DriverManager.getConnection(PersistenceConfig.jdbcUrl(settings), "sa", "");
      case POSTGRES -> DriverManager.getConnection(settings.postgres().url(), settings.postgres().user(),
          settings.postgres().password().map(secret -> secret.reveal()).orElse(""));
    };
  }
}
