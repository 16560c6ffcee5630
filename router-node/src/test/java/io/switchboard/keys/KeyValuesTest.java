package io.switchboard.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A stored key's rules (models, expiry, revocation, whether it is limited), its caller and its secrets. */
@Tag("unit")
class KeyValuesTest {
  private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

  private static ApiKey key(Set<String> models, int rpm, long tpm, String budget, Instant expires, Instant revoked,
      boolean cache) {
    return new ApiKey("key_1", "n", models, rpm, tpm, Optional.ofNullable(budget).map(BigDecimal::new),
        Optional.ofNullable(expires), cache, NOW, Optional.ofNullable(revoked));
  }

  private static ApiKey plain() {
    return key(Set.of(), 0, 0, null, null, null, false);
  }

  @Test
  void mayUse_everyModelWhenNoneIsListed_elseOnlyTheListed() {
    assertTrue(plain().mayUse("anything"));
    ApiKey narrow = key(Set.of("gpt-4o"), 0, 0, null, null, null, false);
    assertTrue(narrow.mayUse("gpt-4o"));
    assertFalse(narrow.mayUse("gpt-4o-mini"));
  }

  @Test
  void unusable_onceRevoked_orFromItsExpiryOn() {
    assertEquals(Optional.empty(), plain().unusableBecause(NOW));
    Instant expiry = NOW.plusSeconds(60);
    ApiKey expiring = key(Set.of(), 0, 0, null, expiry, null, false);
    assertEquals(Optional.empty(), expiring.unusableBecause(expiry.minusMillis(1)));
    assertEquals(Optional.of("expired at " + expiry), expiring.unusableBecause(expiry));
    ApiKey revoked = key(Set.of(), 0, 0, null, expiry, NOW, false);
    assertEquals(Optional.of("was revoked at " + NOW), revoked.unusableBecause(NOW));
  }

  @Test
  void limited_byAnyLimitOrABudget_andOnlyThen() {
    assertFalse(plain().limited());
    assertTrue(key(Set.of(), 1, 0, null, null, null, false).limited());
    assertTrue(key(Set.of(), 0, 1, null, null, null, false).limited());
    assertTrue(key(Set.of(), 0, 0, "0", null, null, false).limited());
  }

  @Test
  void caller_withAKey_followsIt_andAnAnonymousOneMayUseAllButNotTheCache() {
    Caller anonymous = Caller.ANONYMOUS;
    assertEquals(Optional.empty(), anonymous.keyId());
    assertTrue(anonymous.mayUse("anything"));
    assertFalse(anonymous.cache());
    assertEquals("Caller[anonymous]", anonymous.toString());

    Caller keyed = Caller.of(key(Set.of("gpt-4o"), 0, 0, null, null, null, true));
    assertEquals(Optional.of("key_1"), keyed.keyId());
    assertTrue(keyed.mayUse("gpt-4o"));
    assertFalse(keyed.mayUse("gpt-4o-mini"));
    assertTrue(keyed.cache());
    assertEquals("Caller[key_1]", keyed.toString());
  }

  @Test
  void caller_isReadFromTheRequest_anonymousWhenAuthenticationAttachedNone() {
    Caller keyed = Caller.of(plain());
    assertEquals(keyed, Caller.of(HttpRequest.create("/v1/chat/completions").addAttribute(Caller.ATTRIBUTE, keyed)));
    assertEquals(Caller.ANONYMOUS, Caller.of(HttpRequest.create("/v1/chat/completions")));
  }

  @Test
  void secrets_carryThePrefixAnd256RandomBits_andIdsAreShortHex() {
    String secret = KeySecrets.newSecret();
    assertTrue(secret.startsWith(KeySecrets.PREFIX), secret);
    assertEquals(KeySecrets.PREFIX.length() + 43, secret.length(), "32 bytes in unpadded base64url");
    assertNotEquals(secret, KeySecrets.newSecret());
    String id = KeySecrets.newId();
    assertTrue(id.matches("key_[0-9a-f]{16}"), id);
    assertNotEquals(id, KeySecrets.newId());
  }

  @Test
  void hash_isTheLowercaseHexSha256_andMatchesComparesValues() {
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", KeySecrets.hash("abc"));
    assertTrue(KeySecrets.matches("sk-sb-a", "sk-sb-a"));
    assertFalse(KeySecrets.matches("sk-sb-a", "sk-sb-b"));
  }

  @Test
  void refusal_carriesTheKeysReasonAndWait() {
    KeyRefusedException e = new KeyRefusedException(new ApiKeyActor.Rejected(ApiKeyActor.Reason.REQUESTS_PER_MINUTE,
        "slow down", Duration.ofSeconds(3)));
    assertEquals(ApiKeyActor.Reason.REQUESTS_PER_MINUTE, e.reason());
    assertEquals(Optional.of(Duration.ofSeconds(3)), e.retryAfter());
    assertEquals("slow down", e.getMessage());
    assertEquals(Optional.empty(), new KeyRefusedException(new ApiKeyActor.Rejected(ApiKeyActor.Reason.TOO_LARGE,
        "smaller", null)).retryAfter());
  }
}
