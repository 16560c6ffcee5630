package io.switchboard.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The body of {@code POST /admin/keys}: what it makes of a valid key, and which field a bad one names. */
@Tag("unit")
class NewKeyTest {
  private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
  private static final Set<String> SERVED = Set.of("gpt-4o", "gpt-4o-mini");

  private static NewKey.InvalidException refused(NewKey body) {
    return assertThrows(NewKey.InvalidException.class, () -> body.toKey("key_1", NOW, SERVED));
  }

  @Test
  void onlyAName_makesAKeyWithoutLimitsBudgetExpiryOrCache() {
    ApiKey key = new NewKey("  team-search ", null, null, null, null, null, null).toKey("key_1", NOW, SERVED);
    assertEquals("key_1", key.id());
    assertEquals("team-search", key.name(), "the label is stripped");
    assertEquals(Set.of(), key.allowedModels());
    assertEquals(0, key.requestsPerMinute());
    assertEquals(0, key.tokensPerMinute());
    assertEquals(Optional.empty(), key.budgetUsd());
    assertEquals(Optional.empty(), key.expiresAt());
    assertFalse(key.cache());
    assertEquals(NOW, key.createdAt());
    assertEquals(Optional.empty(), key.revokedAt());
    assertFalse(key.limited());
  }

  @Test
  void everyField_isCarriedOver() {
    ApiKey key = new NewKey("n", List.of("gpt-4o"), 60, 100_000L, new BigDecimal("25"), "2027-01-01T00:00:00Z", true)
        .toKey("key_1", NOW, SERVED);
    assertEquals(Set.of("gpt-4o"), key.allowedModels());
    assertEquals(60, key.requestsPerMinute());
    assertEquals(100_000L, key.tokensPerMinute());
    assertEquals(Optional.of(new BigDecimal("25")), key.budgetUsd());
    assertEquals(Optional.of(Instant.parse("2027-01-01T00:00:00Z")), key.expiresAt());
    assertTrue(key.cache());
    assertFalse(new NewKey("n", null, null, null, null, null, false).toKey("k", NOW, SERVED).cache());
  }

  @Test
  void name_isRequired_andAtMost200Characters() {
    assertEquals("name", refused(new NewKey(null, null, null, null, null, null, null)).field());
    assertEquals("name", refused(new NewKey("   ", null, null, null, null, null, null)).field());
    assertEquals("name", refused(new NewKey("x".repeat(201), null, null, null, null, null, null)).field());
    assertEquals(200, new NewKey("x".repeat(200), null, null, null, null, null, null).toKey("k", NOW, SERVED)
        .name().length());
  }

  @Test
  void allowedModel_thatTheGatewayDoesNotServe_isRefusedNamingWhatItServes() {
    NewKey.InvalidException e = refused(new NewKey("n", List.of("gpt-4o", "gpt-5"), null, null, null, null, null));
    assertEquals("allowed_models", e.field());
    assertTrue(e.getMessage().contains("'gpt-5'") && e.getMessage().contains("[gpt-4o, gpt-4o-mini]"), e.getMessage());
  }

  @Test
  void limits_mayBeZero_butNotNegative() {
    ApiKey zero = new NewKey("n", null, 0, 0L, BigDecimal.ZERO, null, null).toKey("k", NOW, SERVED);
    assertEquals(0, zero.requestsPerMinute());
    assertEquals(Optional.of(BigDecimal.ZERO), zero.budgetUsd(), "a budget of 0 is a key that may spend nothing");
    assertEquals("requests_per_minute", refused(new NewKey("n", null, -1, null, null, null, null)).field());
    assertEquals("tokens_per_minute", refused(new NewKey("n", null, null, -1L, null, null, null)).field());
    assertEquals("budget_usd", refused(new NewKey("n", null, null, null, new BigDecimal("-0.01"), null, null)).field());
  }

  @Test
  void expiry_mustBeAnInstantInTheFuture() {
    NewKey.InvalidException malformed = refused(new NewKey("n", null, null, null, null, "next tuesday", null));
    assertEquals("expires_at", malformed.field());
    assertTrue(malformed.getMessage().contains("'next tuesday'"), malformed.getMessage());
    assertEquals("expires_at", refused(new NewKey("n", null, null, null, null, NOW.toString(), null)).field());
    assertEquals(Optional.of(NOW.plusMillis(1)), new NewKey("n", null, null, null, null, NOW.plusMillis(1).toString(),
        null).toKey("k", NOW, SERVED).expiresAt());
  }
}
