package io.switchboard.bench.load;

import java.nio.charset.StandardCharsets;

/**
 * The last few bytes of a response body, enough to see whether a server-sent event stream ended with
 * {@code data: [DONE]}, without keeping the body.
 */
final class StreamTail {
  private static final String DONE = "data: [DONE]";
  private static final int KEEP = 64;

  private final StringBuilder tail = new StringBuilder(KEEP + 32);

  /** Appends the last bytes of {@code bytes} (ISO-8859-1, so no byte is lost or merged). */
  void append(byte[] bytes) {
    int from = Math.max(0, bytes.length - 32);
    tail.append(new String(bytes, from, bytes.length - from, StandardCharsets.ISO_8859_1));
    if (tail.length() > KEEP) tail.delete(0, tail.length() - KEEP);
  }

  boolean endedWithDone() {
    return tail.indexOf(DONE) >= 0;
  }
}
