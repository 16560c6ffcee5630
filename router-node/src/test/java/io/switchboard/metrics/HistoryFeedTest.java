package io.switchboard.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.ManualClock;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.history.HistorySummary;
import io.switchboard.history.Outcome;
import io.switchboard.history.PerformanceHistory;
import io.switchboard.provider.CallOutcome;
import io.switchboard.provider.ProviderHandle;
import io.switchboard.provider.TokenUsage;
import io.switchboard.provider.UpstreamSignals;
import io.switchboard.routing.Deployment;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What a call's end becomes in the deployment's history. */
@Tag("unit")
class HistoryFeedTest {
  private static final long MS = 1_000_000;
  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-06T06:00:00Z"));
  private final List<Outcome> recorded = new ArrayList<>();
  private final List<String> labels = new ArrayList<>();
  private final HistoryFeed feed = new HistoryFeed(new PerformanceHistory() {
    @Override
    public void record(String deployment, Outcome outcome) {
      labels.add(deployment);
      recorded.add(outcome);
    }

    @Override
    public HistorySummary summary(String deployment) {
      return HistorySummary.EMPTY;
    }
  }, clock);
  private final Deployment deployment = deployment();

  private static Deployment deployment() {
    SwitchboardSettings settings = SwitchboardSettings.from(ConfigFactory.parseString("""
        switchboard.providers.p.kind = simulated
        switchboard.models.chat { provider = p, upstream-model = "m",
          input-price-per-million = 2, output-price-per-million = 8 }
        """).withFallback(ConfigFactory.load()).resolve(), k -> null);
    return new Deployment("chat", settings.models().get("chat").deployments().get(0),
        new ProviderHandle(settings.providers().get("p"), null, null, null, java.time.Clock.systemUTC()));
  }

  @Test
  void aStream_givesLatencyFirstTokenPaceAndCost() {
    // 1,000 prompt + 200 completion tokens; first event after 400 ms, last after 2.4 s: 100 tokens/s.
    feed.ended(deployment, new CallOutcome.Succeeded(new TokenUsage(1000, 200), UpstreamSignals.NONE), 2400 * MS,
        400 * MS);

    Outcome o = recorded.get(0);
    assertEquals("p/m", labels.get(0));
    assertEquals(clock.millis(), o.atEpochMillis());
    assertEquals(2400, o.latencyMillis());
    assertEquals(400, o.firstTokenMillis());
    assertEquals(100, o.outputTokensPerSecond(), 1e-9);
    assertEquals(0, new BigDecimal("0.0036").compareTo(o.costUsd()), o.costUsd().toPlainString());
    assertTrue(o.success());
  }

  @Test
  void aWholeAnswerWithoutUsage_hasNoFirstTokenPaceOrCost() {
    feed.ended(deployment, new CallOutcome.Succeeded(null, UpstreamSignals.NONE), 500 * MS, -1);

    Outcome o = recorded.get(0);
    assertEquals(-1, o.firstTokenMillis());
    assertEquals(0, o.outputTokensPerSecond());
    assertNull(o.costUsd());
  }

  @Test
  void failures_keepTheirKind_butTheRequestsOwnFaultsAndUnsentCallsAreNotTheDeployments() {
    feed.ended(deployment, new CallOutcome.Failed(false, true, UpstreamSignals.NONE), 30 * MS, -1);
    feed.ended(deployment, new CallOutcome.Failed(true, false, UpstreamSignals.NONE), 5000 * MS, -1);
    feed.ended(deployment, new CallOutcome.Failed(false, false, UpstreamSignals.NONE), 20 * MS, -1);
    feed.ended(deployment, CallOutcome.NOT_SENT, 0, -1);

    assertEquals(List.of("rate_limited", "provider_error"), recorded.stream().map(Outcome::error).toList());
    assertEquals(5000, recorded.get(1).latencyMillis());
  }
}
