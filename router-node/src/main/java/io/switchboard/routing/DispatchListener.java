package io.switchboard.routing;

import io.switchboard.provider.CallOutcome;

/**
 * What the {@link Dispatcher} reports as it works, for metrics and statistics. Called on whatever
 * thread the event happened on; implementations must be quick and thread-safe. Every method does
 * nothing by default.
 */
public interface DispatchListener {
  DispatchListener NONE = new DispatchListener() {};

  /** Admission at {@code deployment}'s provider answered after {@code waitNanos}. */
  default void admission(Deployment deployment, long waitNanos, boolean granted) {}

  /** A failed call at {@code deployment} is about to be retried there. */
  default void retrying(Deployment deployment) {}

  /** {@code from} could not serve; {@code to} is tried next. */
  default void fallingBack(Deployment from, Deployment to) {}

  /** One upstream call ended: its permit was released with {@code outcome}, {@code nanos} after it was sent. */
  default void callEnded(Deployment deployment, CallOutcome outcome, long nanos) {}
}
