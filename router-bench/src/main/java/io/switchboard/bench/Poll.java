package io.switchboard.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A runner's wait for something it can only check (a node answering, an upstream with nothing held
 * back): the check runs on a schedule until it holds or the time is up, and no thread sleeps.
 */
final class Poll {
  private Poll() {}

  /**
   * Whether {@code holds} became true within {@code within}, checked at once and then every {@code every}.
   * An exception the check throws ends the wait and is thrown here.
   */
  static boolean until(BooleanSupplier holds, Duration every, Duration within) throws InterruptedException {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread checker = new Thread(task, "poll");
      checker.setDaemon(true);
      return checker;
    });
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    long deadline = System.nanoTime() + within.toNanos();
    timer.scheduleWithFixedDelay(() -> {
      if (done.isDone()) {
        return; // the waiting thread has not yet stopped the timer: the check is not run again
      }
      try {
        if (holds.getAsBoolean()) {
          done.complete(true);
        } else if (System.nanoTime() >= deadline) {
          done.complete(false);
        }
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      }
    }, 0, Math.max(1, every.toMillis()), TimeUnit.MILLISECONDS);
    try {
      return done.get();
    } catch (ExecutionException e) {
      throw (RuntimeException) e.getCause();
    } finally {
      timer.shutdownNow();
    }
  }
}
