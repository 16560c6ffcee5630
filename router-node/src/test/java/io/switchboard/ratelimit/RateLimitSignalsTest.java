package io.switchboard.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading upstream rate-limit headers as OpenAI and Anthropic document them. */
@Tag("unit")
class RateLimitSignalsTest {
  private static final long NOW = Instant.parse("2015-10-21T07:28:00Z").toEpochMilli();

  private static RateLimitSignals parse(Map<String, String> headers) {
    return RateLimitSignals.parse(name -> Optional.ofNullable(headers.get(name)), NOW);
  }

  @Test
  void openAiHeaders_fillEveryField() {
    RateLimitSignals signals = parse(Map.of(
        "x-ratelimit-limit-requests", "60",
        "x-ratelimit-limit-tokens", "150000",
        "x-ratelimit-remaining-requests", "59",
        "x-ratelimit-remaining-tokens", "149984",
        "x-ratelimit-reset-requests", "1s",
        "x-ratelimit-reset-tokens", "6m0s"));

    assertEquals(new RateLimitSignals(Optional.empty(), Optional.of(60L), Optional.of(150_000L), Optional.of(59L),
        Optional.of(149_984L), Optional.of(Duration.ofSeconds(1)), Optional.of(Duration.ofMinutes(6))), signals);
    assertEquals(Optional.empty(), signals.pause(), "nothing exhausted, nothing asked");
  }

  @Test
  void noHeaders_meanNoSignals() {
    assertEquals(RateLimitSignals.none(), parse(Map.of()));
    assertEquals(RateLimitSignals.none(), RateLimitSignals.parse(name -> null, NOW), "a lookup answering null");
  }

  @ParameterizedTest
  @CsvSource({
      "1s, PT1S",
      "6m0s, PT6M",
      "20ms, PT0.02S",
      "1h2m3.5s, PT1H2M3.5S",
      "0.5s, PT0.5S",
      "1.5us, PT0.0000015S",
      "7\u00b5s, PT0.000007S",
      "3ns, PT0.000000003S",
      "2, PT2S",
      "0.25, PT0.25S",
      "0s, PT0S",
  })
  void resetDurations_inGoSyntaxOrBareSeconds(String header, String expected) {
    RateLimitSignals signals = parse(Map.of("x-ratelimit-reset-tokens", header));

    assertEquals(Optional.of(Duration.parse(expected)), signals.resetTokens());
  }

  @ParameterizedTest
  @ValueSource(strings = {"soon", "-1s", "1x", "s", "1.2.3s", "1e3", "1s-", "99999999999999999999999h", "  "})
  void malformedValues_areIgnoredNotThrown(String header) {
    RateLimitSignals signals = parse(Map.of(
        "x-ratelimit-reset-tokens", header,
        "x-ratelimit-limit-tokens", header,
        "x-ratelimit-remaining-requests", header,
        "retry-after", header,
        "retry-after-ms", header));

    assertEquals(RateLimitSignals.none(), signals);
  }

  @Test
  void retryAfterMs_isPreferred_andMayBeFractional() {
    RateLimitSignals signals = parse(Map.of("retry-after-ms", "1500.5", "retry-after", "30"));

    assertEquals(Optional.of(Duration.ofNanos(1_500_500_000L)), signals.retryAfter());
  }

  @Test
  void malformedRetryAfterMs_fallsBackToRetryAfter() {
    assertEquals(Optional.of(Duration.ofSeconds(30)),
        parse(Map.of("retry-after-ms", "later", "retry-after", "30")).retryAfter());
  }

  @Test
  void retryAfter_inSecondsPossiblyFractional() {
    assertEquals(Optional.of(Duration.ofSeconds(20)), parse(Map.of("retry-after", "20")).retryAfter());
    assertEquals(Optional.of(Duration.ofMillis(2_500)), parse(Map.of("retry-after", " 2.5 ")).retryAfter());
  }

  @Test
  void retryAfter_asHttpDate_isTheTimeLeftUntilThen_orZeroIfPast() {
    assertEquals(Optional.of(Duration.ofSeconds(90)),
        parse(Map.of("retry-after", "Wed, 21 Oct 2015 07:29:30 GMT")).retryAfter());
    assertEquals(Optional.of(Duration.ZERO),
        parse(Map.of("retry-after", "Wed, 21 Oct 2015 07:00:00 GMT")).retryAfter());
  }

  @Test
  void pause_isTheRetryAfter_notTheResetOfAnExhaustedLimit() {
    // OpenAI's 429 for an empty token bucket: retry in 2 s; the bucket is whole again in 6 minutes.
    RateLimitSignals signals = parse(Map.of(
        "retry-after", "2",
        "x-ratelimit-remaining-requests", "0",
        "x-ratelimit-reset-requests", "5s",
        "x-ratelimit-remaining-tokens", "0",
        "x-ratelimit-reset-tokens", "6m0s"));

    assertEquals(Optional.of(Duration.ofSeconds(2)), signals.pause());
    assertEquals(Optional.of(Duration.ofMinutes(6)), signals.resetTokens(), "the reset is still read, as a reset");
  }

  @Test
  void pause_withOnlyRetryAfter_isRetryAfter() {
    assertEquals(Optional.of(Duration.ofSeconds(7)), parse(Map.of("retry-after", "7")).pause());
  }

  @Test
  void exhaustedTokensWithoutRetryAfter_askForNoPause() {
    RateLimitSignals signals = parse(Map.of(
        "x-ratelimit-remaining-tokens", "0",
        "x-ratelimit-reset-tokens", "12ms"));

    assertEquals(Optional.empty(), signals.pause());
  }

  @Test
  void anthropicHeaders_mapOntoTheSameFields_resetsBecomingDurations() {
    RateLimitSignals signals = parse(Map.of(
        "anthropic-ratelimit-requests-limit", "50",
        "anthropic-ratelimit-requests-remaining", "0",
        "anthropic-ratelimit-requests-reset", "2015-10-21T07:28:12Z",
        "anthropic-ratelimit-tokens-limit", "80000",
        "anthropic-ratelimit-tokens-remaining", "79000",
        "anthropic-ratelimit-tokens-reset", "2015-10-21T07:28:01.500Z",
        "retry-after", "3"));

    assertEquals(new RateLimitSignals(Optional.of(Duration.ofSeconds(3)), Optional.of(50L), Optional.of(80_000L),
        Optional.of(0L), Optional.of(79_000L), Optional.of(Duration.ofSeconds(12)),
        Optional.of(Duration.ofMillis(1_500))), signals);
    assertEquals(Optional.of(Duration.ofSeconds(3)), signals.pause(), "the retry-after, not the requests' reset");
  }

  @Test
  void anthropicInputAndOutputTokenLimits_theScarcerOneFillsTheTokenFields() {
    RateLimitSignals signals = parse(Map.of(
        "anthropic-ratelimit-input-tokens-limit", "40000",
        "anthropic-ratelimit-input-tokens-remaining", "39000",
        "anthropic-ratelimit-input-tokens-reset", "2015-10-21T07:28:30Z",
        "anthropic-ratelimit-output-tokens-limit", "8000",
        "anthropic-ratelimit-output-tokens-remaining", "0",
        "anthropic-ratelimit-output-tokens-reset", "2015-10-21T07:29:00+00:00"));

    assertEquals(Optional.of(8_000L), signals.limitTokens());
    assertEquals(Optional.of(0L), signals.remainingTokens());
    assertEquals(Optional.of(Duration.ofMinutes(1)), signals.resetTokens());
    assertEquals(Optional.empty(), signals.pause(), "no retry-after: no pause");
  }

  @Test
  void anthropicResetInThePastOrMalformed_isZeroOrIgnored() {
    assertEquals(Optional.of(Duration.ZERO),
        parse(Map.of("anthropic-ratelimit-requests-reset", "2015-10-21T07:00:00Z")).resetRequests());
    assertEquals(Optional.empty(),
        parse(Map.of("anthropic-ratelimit-requests-reset", "tomorrow")).resetRequests());
  }
}
