package io.switchboard.routing;

import io.switchboard.provider.UpstreamException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One request's time limit, shared by all its attempts: admission waits, calls, retries and their
 * backoff, fallbacks. It is {@code timeouts.total} of the provider of the deployment tried first,
 * counted from the start of the request's first dispatch (an auto route's fallback to another model
 * dispatches again, under the same deadline: {@link RequestTrace}), so that a request given 60 s is answered within 60 s however
 * many attempts it takes, not 60 s per attempt. A stream is within it until its first event is handed
 * to the client; from then on {@code timeouts.stream-idle} watches it.
 */
final class Deadline {
  private final long atMillis;
  private final long budgetMillis;
  private final String provider;
  private final AtomicInteger attempts = new AtomicInteger();

  private Deadline(long atMillis, long budgetMillis, String provider) {
    this.atMillis = atMillis;
    this.budgetMillis = budgetMillis;
    this.provider = provider;
  }

  /** The deadline of a request whose first deployment is {@code first}, starting now. */
  static Deadline of(Clock clock, Deployment first) {
    Duration total = first.provider().settings().timeouts().total();
    long budget = total.toMillis();
    return new Deadline(Math.addExact(clock.millis(), budget), budget, first.provider().id());
  }

  /** Milliseconds left; zero or less once it has passed. */
  long remaining(Clock clock) {
    return atMillis - clock.millis();
  }

  /** Counts a call sent upstream. */
  void attempted() {
    attempts.incrementAndGet();
  }

  /** The failure a request gets when its deadline passes: a timeout, answered 504. */
  UpstreamException exceeded() {
    return new UpstreamException(UpstreamException.Kind.TIMEOUT, provider,
        "The request got no answer within its deadline of " + budgetMillis + " ms (timeouts.total of provider '"
            + provider + "'), over " + attempts.get() + " upstream call(s); no further attempt fits in it.");
  }
}
