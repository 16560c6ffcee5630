package io.switchboard.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.ManualClock;
import io.switchboard.config.PersistenceSettings;
import io.switchboard.persistence.JdbcPool;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's directory of keys over a real (H2) key table: a key round-trips through the table with
 * every field, its secret finds it, revocation is seen at once on this node and reported, and a key
 * read is remembered for the cache's time to live.
 */
@Tag("integration")
class KeyDirectoryTest {
  private static final Set<String> SERVED = Set.of("gpt-4o", "gpt-4o-mini");
  private final ActorTestKit testKit = ActorTestKit.create();
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));
  private final KeyStore store = new KeyStore(new ObjectMapper());
  private final List<String> revoked = new ArrayList<>();
  @TempDir Path dataDir;
  private JdbcPool pool;

  @BeforeEach
  void open() {
    pool = JdbcPool.open(testKit.system(), new PersistenceSettings(PersistenceSettings.Store.H2, dataDir, null));
    pool.runNow(c -> {
      store.createTable(c);
      store.createTable(c); // harmless on every later start
      return null;
    });
  }

  @AfterEach
  void close() {
    testKit.shutdownTestKit();
    pool.close();
  }

  private KeyDirectory directory(Duration ttl) {
    return new KeyDirectory(pool, store, clock, ttl, revoked::add);
  }

  private static <T> T await(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }

  @Test
  void createdKey_isFoundByItsSecret_withEveryFieldAsStored() {
    KeyDirectory keys = directory(Duration.ofMinutes(1));
    KeyDirectory.Created created = await(keys.create(new NewKey("team", List.of("gpt-4o-mini", "gpt-4o"), 60,
        100_000L, new BigDecimal("25.50"), "2027-01-01T00:00:00Z", true), SERVED));
    assertTrue(created.secret().startsWith(KeySecrets.PREFIX));

    ApiKey found = await(keys.find(created.secret())).orElseThrow();
    assertEquals(created.key().id(), found.id());
    assertEquals("team", found.name());
    assertEquals(Set.of("gpt-4o", "gpt-4o-mini"), found.allowedModels());
    assertEquals(60, found.requestsPerMinute());
    assertEquals(100_000L, found.tokensPerMinute());
    assertEquals(Optional.of(new BigDecimal("25.5")), found.budgetUsd());
    assertEquals(Optional.of(Instant.parse("2027-01-01T00:00:00Z")), found.expiresAt());
    assertTrue(found.cache());
    assertEquals(clock.instant(), found.createdAt());
    assertEquals(Optional.empty(), found.revokedAt());
    assertEquals(Optional.of(found), await(keys.get(found.id())));

    ApiKey bare = await(keys.create(new NewKey("bare", null, null, null, null, null, null), SERVED)).key();
    ApiKey read = await(keys.get(bare.id())).orElseThrow();
    assertEquals(Optional.empty(), read.budgetUsd());
    assertEquals(Optional.empty(), read.expiresAt());
    assertFalse(read.cache());
  }

  @Test
  void unknownSecretOrId_findsNothing() {
    KeyDirectory keys = directory(Duration.ofMinutes(1));
    assertEquals(Optional.empty(), await(keys.find("sk-sb-nobody-has-this")));
    assertEquals(Optional.empty(), await(keys.get("key_missing")));
    assertEquals(Optional.empty(), await(keys.revoke("key_missing")));
    assertEquals(List.of(), revoked, "nothing to stop for a key that does not exist");
  }

  @Test
  void all_listsEveryKeyOldestFirst_revokedOnesIncluded() {
    KeyDirectory keys = directory(Duration.ofMinutes(1));
    String first = await(keys.create(new NewKey("first", null, null, null, null, null, null), SERVED)).key().id();
    clock.advance(Duration.ofSeconds(1));
    String second = await(keys.create(new NewKey("second", null, null, null, null, null, null), SERVED)).key().id();
    await(keys.revoke(first));
    assertEquals(List.of(first, second), await(keys.all()).stream().map(ApiKey::id).toList());
  }

  @Test
  void revokedKey_isSeenAtOnceOnThisNode_reported_andKeepsItsFirstRevocationTime() {
    KeyDirectory keys = directory(Duration.ofHours(1));
    KeyDirectory.Created created = await(keys.create(new NewKey("team", null, null, null, null, null, null), SERVED));
    assertTrue(await(keys.find(created.secret())).orElseThrow().revokedAt().isEmpty()); // now remembered

    Instant revokedAt = clock.instant().plusSeconds(5);
    clock.advance(Duration.ofSeconds(5));
    ApiKey revokedKey = await(keys.revoke(created.key().id())).orElseThrow();
    assertEquals(Optional.of(revokedAt), revokedKey.revokedAt());
    assertEquals(List.of(created.key().id()), revoked);
    assertEquals(Optional.of(revokedAt), await(keys.find(created.secret())).orElseThrow().revokedAt(),
        "the remembered entry was dropped, not served for the rest of its hour");
    assertTrue(revokedKey.unusableBecause(clock.instant()).isPresent());

    clock.advance(Duration.ofSeconds(5));
    assertEquals(Optional.of(revokedAt), await(keys.revoke(created.key().id())).orElseThrow().revokedAt());
  }

  @Test
  void keyRead_isRememberedForItsTimeToLive_andReadAgainWithoutOne() {
    KeyDirectory remembering = directory(Duration.ofHours(1));
    KeyDirectory forgetful = directory(Duration.ZERO);
    KeyDirectory.Created created = await(remembering.create(new NewKey("team", null, null, null, null, null, null),
        SERVED));
    assertTrue(await(remembering.find(created.secret())).isPresent());
    assertTrue(await(forgetful.find(created.secret())).isPresent());

    pool.runNow(c -> c.createStatement().executeUpdate("DELETE FROM " + KeyStore.TABLE));
    assertTrue(await(remembering.find(created.secret())).isPresent(), "a known key costs no database call");
    assertEquals(Optional.empty(), await(forgetful.find(created.secret())), "without a ttl the table is asked");
  }
}
