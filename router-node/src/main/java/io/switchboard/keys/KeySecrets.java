package io.switchboard.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Making and checking secrets: virtual keys ({@code sk-sb-} and 32 random bytes, base64url) and their
 * stored form, a SHA-256 digest.
 *
 * <p>Why a plain SHA-256 and not a slow password hash (bcrypt, Argon2): a slow hash protects secrets a
 * person chose, which are few enough to guess. A key here carries 256 random bits, so nobody can guess
 * it from its digest, fast hash or not; and a fast hash lets every request be checked by one lookup of
 * its digest, in microseconds, instead of spending tens of milliseconds of CPU per request.
 */
public final class KeySecrets {
  /** How every virtual key starts, so a leaked one is recognisable (secret scanners, logs). */
  public static final String PREFIX = "sk-sb-";
  static final int RANDOM_BYTES = 32;

  private static final SecureRandom RANDOM = new SecureRandom();

  private KeySecrets() {}

  /** A new secret: shown to its owner once, never stored. */
  public static String newSecret() {
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(RANDOM_BYTES));
  }

  /** A new key id: public, names the key in admin routes and usage records. */
  public static String newId() {
    return "key_" + HexFormat.of().formatHex(randomBytes(8));
  }

  /** The stored form of {@code secret}: lowercase hex of its SHA-256. */
  public static String hash(String secret) {
    return HexFormat.of().formatHex(sha256(secret));
  }

  /**
   * Whether {@code presented} is {@code expected}, in time that does not depend on where they differ:
   * both are digested first, so neither their contents nor their lengths leak through timing.
   */
  public static boolean matches(String presented, String expected) {
    return MessageDigest.isEqual(sha256(presented), sha256(expected));
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
