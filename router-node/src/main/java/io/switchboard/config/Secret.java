package io.switchboard.config;

import static java.util.Objects.requireNonNull;

/**
 * A credential read from the environment. Its {@code toString} never shows the value, so a secret
 * that ends up in a log line, an exception message or a record's {@code toString} stays hidden.
 */
public final class Secret {
  private final String value;

  private Secret(String value) {
    this.value = value;
  }

  public static Secret of(String value) {
    requireNonNull(value, "value");
    if (value.isBlank()) throw new IllegalArgumentException("a secret must not be blank");
    return new Secret(value);
  }

  /** The secret itself: only for building the upstream request header, never for logging. */
  public String reveal() {
    return value;
  }

  @Override
  public String toString() {
    return "Secret(***)";
  }
}
