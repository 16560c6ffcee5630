package io.switchboard.bench.load;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition on another process (its open sockets, its cluster membership) that sends no
 * event the harness could wait on: asks every {@code poll} until it holds or {@code timeout} passed.
 */
public final class Await {
  private Await() {}

  /** @return whether {@code condition} held before {@code timeout} passed */
  public static boolean until(BooleanSupplier condition, Duration timeout, Duration poll) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (condition.getAsBoolean()) return true;
      long left = deadline - System.nanoTime();
      if (left <= 0) return false;
      LockSupport.parkNanos(Math.min(left, poll.toNanos()));
      if (Thread.interrupted()) throw new InterruptedException();
    }
  }
}
