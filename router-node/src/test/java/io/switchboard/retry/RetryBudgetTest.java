package io.switchboard.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Retries as a bounded share of traffic. */
@Tag("unit")
class RetryBudgetTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final Duration WINDOW = Duration.ofSeconds(10);

  @Test
  void outage_whereEveryRequestFails_retriesNoMoreThanTheRatio() {
    RetryBudget budget = new RetryBudget(0.2, 3, WINDOW);
    int requests = 0;
    int retries = 0;
    // 100 requests a second for a minute, every one failing and asking for a retry.
    for (long t = T0; t < T0 + 60_000; t += 10) {
      budget.onRequest(t);
      requests++;
      if (budget.tryRetry(t)) {
        retries++;
      }
    }

    assertTrue(retries <= 0.2 * requests, retries + " retries for " + requests + " requests");
    assertTrue(retries >= 0.18 * requests, "the budget is used, not starved: " + retries);
  }

  @Test
  void quietProvider_canStillRetryAtTheMinimumRate() {
    RetryBudget budget = new RetryBudget(0.2, 3, WINDOW);
    budget.onRequest(T0);

    int retries = 0;
    while (budget.tryRetry(T0)) {
      retries++;
    }

    assertEquals(30, retries, "3 per second over 10 s, though 1 request would earn only 0.2");
  }

  @Test
  void budget_refillsAsOldRetriesLeaveTheWindow() {
    RetryBudget budget = new RetryBudget(0.0, 1, WINDOW);
    for (int i = 0; i < 10; i++) {
      assertTrue(budget.tryRetry(T0));
    }
    assertFalse(budget.tryRetry(T0 + 5_000));

    assertTrue(budget.tryRetry(T0 + 10_000));
  }

  @Test
  void invalidArguments_areRefused() {
    assertThrows(IllegalArgumentException.class, () -> new RetryBudget(-0.1, 3, WINDOW));
    assertThrows(IllegalArgumentException.class, () -> new RetryBudget(Double.NaN, 3, WINDOW));
    assertThrows(IllegalArgumentException.class, () -> new RetryBudget(0.2, -1, WINDOW));
  }
}
