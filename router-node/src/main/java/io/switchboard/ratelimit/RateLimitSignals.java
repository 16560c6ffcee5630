package io.switchboard.ratelimit;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * What an upstream's response headers say about its rate limits, so the provider's buckets can learn
 * the real limits and pause when told to.
 *
 * <pre>{@code
 * RateLimitSignals signals = RateLimitSignals.parse(name -> headerOf(response, name), now);
 * signals.pause().ifPresent(wait -> limits.pause(wait.toMillis(), now));
 * }</pre>
 *
 * <p>Read: {@code retry-after-ms} (milliseconds, may be fractional) in preference to
 * {@code retry-after} (delta-seconds, may be fractional, or an RFC 1123 HTTP-date); OpenAI's
 * {@code x-ratelimit-limit|remaining|reset-requests|tokens}, where resets are Go-style durations
 * ({@code 1s}, {@code 6m0s}, {@code 20ms}, {@code 1h2m3.5s}) or a bare number of seconds; and
 * Anthropic's {@code anthropic-ratelimit-requests|tokens|input-tokens|output-tokens-limit|remaining|reset}
 * (resets are RFC 3339 instants). Anthropic reports up to three token limits; the one with the fewest
 * tokens remaining fills the token fields, because that is the one that will refuse the next request.
 *
 * <p>A malformed or negative value leaves its field empty; parsing never throws on header content.
 */
public record RateLimitSignals(
    Optional<Duration> retryAfter,
    Optional<Long> limitRequests,
    Optional<Long> limitTokens,
    Optional<Long> remainingRequests,
    Optional<Long> remainingTokens,
    Optional<Duration> resetRequests,
    Optional<Duration> resetTokens) {

  private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);
  private static final BigDecimal NANOS_PER_MILLI = BigDecimal.valueOf(1_000_000L);

  public RateLimitSignals {
    requireNonNull(retryAfter, "retryAfter");
    requireNonNull(limitRequests, "limitRequests");
    requireNonNull(limitTokens, "limitTokens");
    requireNonNull(remainingRequests, "remainingRequests");
    requireNonNull(remainingTokens, "remainingTokens");
    requireNonNull(resetRequests, "resetRequests");
    requireNonNull(resetTokens, "resetTokens");
  }

  /** No signals at all. */
  /** No signal at all. */
  public static final RateLimitSignals NONE = none();

  public static RateLimitSignals none() {
    return new RateLimitSignals(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty());
  }

  /**
   * Reads the signals from {@code headers}, which is asked for lower-case names; {@code nowMillis}
   * turns absolute times (HTTP-dates, RFC 3339 resets) into durations.
   */
  public static RateLimitSignals parse(Function<String, Optional<String>> headers, long nowMillis) {
    requireNonNull(headers, "headers");
    Function<String, Optional<String>> header = name -> {
      Optional<String> value = headers.apply(name);
      return value == null ? Optional.empty() : value.map(String::trim).filter(v -> !v.isEmpty());
    };

    Optional<Duration> retryAfter = header.apply("retry-after-ms").flatMap(RateLimitSignals::parseMillis)
        .or(() -> header.apply("retry-after").flatMap(v -> parseRetryAfter(v, nowMillis)));

    Limit requests = openAi(header, "requests")
        .orElseGet(() -> anthropic(header, "requests", nowMillis));
    Limit tokens = openAi(header, "tokens")
        .orElseGet(() -> Stream.of("tokens", "input-tokens", "output-tokens")
            .map(kind -> anthropic(header, kind, nowMillis))
            .filter(limit -> !limit.isEmpty())
            .min(Comparator.comparing(limit -> limit.remaining().orElse(Long.MAX_VALUE)))
            .orElse(Limit.EMPTY));

    return new RateLimitSignals(retryAfter, requests.limit(), tokens.limit(), requests.remaining(),
        tokens.remaining(), requests.reset(), tokens.reset());
  }

  /**
   * How long the upstream asked not to be called: its {@code retry-after-ms} or {@code Retry-After}.
   * Empty when it asked for no pause. A reset time is not a pause: it says when a limit is whole
   * again, and the limit admits requests long before that (OpenAI answers a 429 with
   * {@code Retry-After: 2} and {@code x-ratelimit-reset-tokens: 6m0s}). The limits learned from the
   * headers pace requests meanwhile.
   */
  public Optional<Duration> pause() {
    return retryAfter;
  }

  /** One limit's three headers. */
  private record Limit(Optional<Long> limit, Optional<Long> remaining, Optional<Duration> reset) {
    static final Limit EMPTY = new Limit(Optional.empty(), Optional.empty(), Optional.empty());

    boolean isEmpty() {
      return limit.isEmpty() && remaining.isEmpty() && reset.isEmpty();
    }
  }

  private static Optional<Limit> openAi(Function<String, Optional<String>> header, String kind) {
    Limit limit = new Limit(
        header.apply("x-ratelimit-limit-" + kind).flatMap(RateLimitSignals::parseCount),
        header.apply("x-ratelimit-remaining-" + kind).flatMap(RateLimitSignals::parseCount),
        header.apply("x-ratelimit-reset-" + kind).flatMap(RateLimitSignals::parseGoDuration));
    return limit.isEmpty() ? Optional.empty() : Optional.of(limit);
  }

  private static Limit anthropic(Function<String, Optional<String>> header, String kind, long nowMillis) {
    String prefix = "anthropic-ratelimit-" + kind + "-";
    return new Limit(
        header.apply(prefix + "limit").flatMap(RateLimitSignals::parseCount),
        header.apply(prefix + "remaining").flatMap(RateLimitSignals::parseCount),
        header.apply(prefix + "reset").flatMap(v -> parseRfc3339(v, nowMillis)));
  }

  static Optional<Long> parseCount(String value) {
    if (!value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(value));
    } catch (NumberFormatException tooLarge) {
      return Optional.empty();
    }
  }

  static Optional<Duration> parseMillis(String value) {
    return parseDecimal(value).flatMap(millis -> toDuration(millis.multiply(NANOS_PER_MILLI)));
  }

  static Optional<Duration> parseRetryAfter(String value, long nowMillis) {
    Optional<BigDecimal> seconds = parseDecimal(value);
    if (seconds.isPresent()) {
      return toDuration(seconds.get().multiply(NANOS_PER_SECOND));
    }
    try {
      Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return Optional.of(untilFrom(at, nowMillis));
    } catch (DateTimeParseException notADate) {
      return Optional.empty();
    }
  }

  static Optional<Duration> parseRfc3339(String value, long nowMillis) {
    try {
      return Optional.of(untilFrom(OffsetDateTime.parse(value).toInstant(), nowMillis));
    } catch (DateTimeParseException notATimestamp) {
      return Optional.empty();
    }
  }

  /**
   * A Go {@code time.Duration} string as OpenAI sends it ({@code 6m0s}, {@code 20ms},
   * {@code 1h2m3.5s}), or a bare non-negative number of seconds. Negative durations are refused.
   */
  static Optional<Duration> parseGoDuration(String value) {
    Optional<BigDecimal> bareSeconds = parseDecimal(value);
    if (bareSeconds.isPresent()) {
      return toDuration(bareSeconds.get().multiply(NANOS_PER_SECOND));
    }
    BigDecimal nanos = BigDecimal.ZERO;
    int i = 0;
    int n = value.length();
    if (n == 0) {
      return Optional.empty();
    }
    while (i < n) {
      int numberStart = i;
      while (i < n && (Character.isDigit(value.charAt(i)) || value.charAt(i) == '.')) {
        i++;
      }
      Optional<BigDecimal> number = parseDecimal(value.substring(numberStart, i));
      int unitStart = i;
      while (i < n && !Character.isDigit(value.charAt(i)) && value.charAt(i) != '.') {
        i++;
      }
      long unitNanos = unitNanos(value.substring(unitStart, i));
      if (number.isEmpty() || unitNanos == 0) {
        return Optional.empty();
      }
      nanos = nanos.add(number.get().multiply(BigDecimal.valueOf(unitNanos)));
    }
    return toDuration(nanos);
  }

  private static long unitNanos(String unit) {
    return switch (unit) {
      case "ns" -> 1L;
      case "us", "\u00b5s", "\u03bcs" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      case "h" -> 3_600_000_000_000L;
      default -> 0L;
    };
  }

  /** A plain non-negative decimal: digits with at most one point, no sign, exponent or spaces. */
  private static Optional<BigDecimal> parseDecimal(String value) {
    int digits = 0;
    int points = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c >= '0' && c <= '9') {
        digits++;
      } else if (c == '.') {
        points++;
      } else {
        return Optional.empty();
      }
    }
    if (digits == 0 || points > 1) {
      return Optional.empty();
    }
    return Optional.of(new BigDecimal(value));
  }

  private static Optional<Duration> toDuration(BigDecimal nanos) {
    BigDecimal[] secondsAndNanos = nanos.divideAndRemainder(NANOS_PER_SECOND);
    try {
      return Optional.of(Duration.ofSeconds(
          secondsAndNanos[0].longValueExact(), secondsAndNanos[1].setScale(0, RoundingMode.CEILING)
              .longValueExact()));
    } catch (ArithmeticException tooLong) {
      return Optional.empty();
    }
  }

  private static Duration untilFrom(Instant at, long nowMillis) {
    long atMillis;
    try {
      atMillis = at.toEpochMilli();
    } catch (ArithmeticException farFuture) {
      atMillis = Long.MAX_VALUE;
    }
    if (atMillis <= nowMillis) {
      return Duration.ZERO;
    }
    long difference = atMillis - nowMillis;
    return Duration.ofMillis(difference < 0 ? Long.MAX_VALUE : difference);
  }
}
