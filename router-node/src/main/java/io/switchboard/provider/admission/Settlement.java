package io.switchboard.provider.admission;

import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.ratelimit.ProviderLimits;
import java.time.Duration;
import java.time.Instant;

/**
 * What a finished call teaches admission, once its permit is handed back: its reservation is settled
 * against the buckets, the breakers learn whether the provider or its model failed it ({@link Breakers}),
 * and what the upstream said of its limits is heeded ({@link #heed}).
 *
 * <p>A successful call is charged what it used, as its usage reports (the reservation when it reports
 * none). A failed call keeps its whole reservation, because the provider may have counted it; only a
 * call that was never sent gives its request and tokens back. The buckets therefore err towards sending
 * too little after failures, never too much. Not thread-safe.
 */
final class Settlement {

  /** How long an upstream 429 without Retry-After pauses the provider. */
  static final Duration DEFAULT_PAUSE = Duration.ofSeconds(1);
  /** A pause that moves the end of the current one by less than this is not logged again. */
  private static final Duration PAUSE_LOGGED_AFTER = Duration.ofSeconds(1);

  private final String provider;
  private final ProviderLimits limits;
  private final Breakers<?> breakers;
  private final Decisions.Builder<?> out;

  Settlement(String provider, ProviderLimits limits, Breakers<?> breakers, Decisions.Builder<?> out) {
    this.provider = provider;
    this.limits = limits;
    this.breakers = breakers;
    this.out = out;
  }

  /** The permit {@code held} came back at {@code now}: the call ended with {@code outcome}. */
  void settle(InFlight.Held held, CallOutcome outcome, long now) {
    if (outcome instanceof CallOutcome.Succeeded s) {
      long used = s.usage() != null ? s.usage().total() : held.tokens();
      limits.settle(held.model(), held.tokens() - used, false, now);
      breakers.succeeded(held.model(), held.trial(), held.grantedAt(), now);
      heed(held.model(), s.signals(), false, now);
    } else if (outcome instanceof CallOutcome.Failed f) {
      // The upstream saw the request: its reservation stands, as the provider may count it.
      if (f.providerFault()) breakers.failed(held.model(), held.trial(), f.transport(), held.grantedAt(), now);
      else breakers.succeeded(held.model(), held.trial(), held.grantedAt(), now);
      heed(held.model(), f.signals(), f.rateLimited(), now);
    } else {
      limits.settle(held.model(), held.tokens(), true, now);
      breakers.abandon(held.trial(), held.model(), now);
    }
  }

  /**
   * Learns limits the upstream announced, and pauses when it asked for one: for its Retry-After, at most
   * {@code limits.max-pause}, or {@link #DEFAULT_PAUSE} after a 429 that named no wait.
   */
  private void heed(String model, UpstreamSignals signals, boolean rateLimited, long now) {
    if (signals.saysAnything()) {
      limits.learn(model, signals.limitRequests(), signals.limitTokens(), signals.remainingRequests(),
          signals.remainingTokens(), now);
    }
    long asked = signals.pauseMillis() > 0 ? signals.pauseMillis() : rateLimited ? DEFAULT_PAUSE.toMillis() : 0;
    if (asked <= 0) return;
    boolean wasPaused = limits.pausedUntil() > now;
    long before = limits.pausedUntil();
    long applied = limits.pause(asked, now);
    // Once per pause, not once per answer of a burst of 429s (each moves the end by a little); the
    // value only, never the header itself.
    if (!wasPaused || limits.pausedUntil() - before >= PAUSE_LOGGED_AFTER.toMillis()) {
      Instant until = Instant.ofEpochMilli(limits.pausedUntil());
      if (applied < asked) {
        out.warn("provider '" + provider + "' paused for " + applied + " ms until " + until + ": the upstream asked for "
            + asked + " ms, capped by limits.max-pause");
      } else {
        out.info("provider '" + provider + "' paused for " + applied + " ms until " + until + " at the upstream's request");
      }
    }
  }
}
