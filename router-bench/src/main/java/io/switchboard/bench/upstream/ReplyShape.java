package io.switchboard.bench.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * What one request asks of the fake upstream: streamed or not, how many chunks, and their pacing.
 * Defaults come from the command line; a request may override them with the extra body fields
 * {@code bench_chunks}, {@code bench_interval_ms} and {@code bench_first_ms}, which a gateway forwards
 * untouched, so one fake upstream serves short requests and long-held streams in the same run.
 */
public record ReplyShape(boolean stream, int chunks, Duration interval, Duration firstChunkDelay) {
  private static final Pattern STREAM_TRUE = Pattern.compile("\"stream\"\\s*:\\s*true");

  public ReplyShape {
    if (chunks < 1) throw new IllegalArgumentException("chunks must be at least 1, was " + chunks);
    if (interval.isNegative() || firstChunkDelay.isNegative()) {
      throw new IllegalArgumentException("delays must not be negative");
    }
  }

  /**
   * The shape asked for by the raw request {@code body}. Plain bench requests are told apart by a byte
   * scan, so the fake upstream only parses JSON when a request carries {@code bench_} overrides.
   */
  public static ReplyShape of(byte[] body, ObjectMapper mapper, ReplyShape defaults) throws IOException {
    String text = new String(body, StandardCharsets.ISO_8859_1);
    if (text.contains("\"bench_")) return of(mapper.readTree(body), defaults);
    boolean stream = STREAM_TRUE.matcher(text).find();
    return new ReplyShape(stream, defaults.chunks(), defaults.interval(), defaults.firstChunkDelay());
  }

  /** The shape asked for by {@code body}, falling back to {@code defaults} for what it does not say. */
  public static ReplyShape of(JsonNode body, ReplyShape defaults) {
    return new ReplyShape(
        body.path("stream").asBoolean(false),
        body.path("bench_chunks").asInt(defaults.chunks()),
        Duration.ofMillis(body.path("bench_interval_ms").asLong(defaults.interval().toMillis())),
        Duration.ofMillis(body.path("bench_first_ms").asLong(defaults.firstChunkDelay().toMillis())));
  }
}
