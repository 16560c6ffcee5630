package io.switchboard.responses;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * New ids in OpenAI's forms: {@code resp_}, {@code msg_}, {@code fc_} followed by 48 hex digits. A
 * response id is also what reads a stored response back, so it must not be guessable: the default
 * draws from {@link SecureRandom}; tests pass a seeded generator.
 */
public final class ResponseIds {
  private final RandomGenerator random;

  public ResponseIds(RandomGenerator random) {
    this.random = random;
  }

  public static ResponseIds secure() {
    return new ResponseIds(new SecureRandom());
  }

  public String response() {
    return next("resp_");
  }

  public String message() {
    return next("msg_");
  }

  public String functionCall() {
    return next("fc_");
  }

  /** A function call output item's id (OpenAI's own prefix for these is not documented). */
  public String functionCallOutput() {
    return next("fco_");
  }

  private String next(String prefix) {
    byte[] bytes = new byte[24];
    synchronized (random) {
      random.nextBytes(bytes);
    }
    return prefix + HexFormat.of().formatHex(bytes);
  }
}
