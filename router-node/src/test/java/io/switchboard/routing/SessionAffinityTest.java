package io.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.AffinitySettings;
import io.switchboard.config.ModelSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.ProviderHandle;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class SessionAffinityTest {
  private final AtomicLong nanos = new AtomicLong();
  private final List<Deployment> deployments = deployments();

  private static List<Deployment> deployments() {
    SwitchboardSettings settings = SwitchboardSettings.from(ConfigFactory.parseString("""
        switchboard.providers { a.kind = simulated, b.kind = simulated, c.kind = simulated }
        switchboard.models.chat.deployments = [ { provider = a }, { provider = b }, { provider = c } ]
        """).withFallback(ConfigFactory.load()).resolve(), k -> null);
    ModelSettings chat = settings.models().get("chat");
    return chat.deployments().stream().map(d -> new Deployment("chat", d,
        new ProviderHandle(settings.providers().get(d.provider()), null, null, null, Clock.systemUTC()))).toList();
  }

  private SessionAffinity affinity(AffinitySettings settings) {
    return SessionAffinity.of(settings, nanos::get);
  }

  private List<String> labels(List<Deployment> order) {
    return order.stream().map(Deployment::label).toList();
  }

  @Test
  void theDeploymentThatServed_goesFirst_othersFollowInTheirOrder() {
    SessionAffinity affinity = affinity(AffinitySettings.DEFAULTS);
    assertSame(deployments, affinity.order("chat", "s1", deployments), "nothing pinned yet: the strategy's order");

    affinity.served("chat", "s1", deployments.get(2));

    assertEquals(List.of("c/chat", "a/chat", "b/chat"), labels(affinity.order("chat", "s1", deployments)));
    assertSame(deployments, affinity.order("chat", "s2", deployments), "another conversation is not moved");
    assertSame(deployments, affinity.order("other-model", "s1", deployments), "pinned per model");
  }

  @Test
  void aConversationServedElsewhere_movesThere() {
    SessionAffinity affinity = affinity(AffinitySettings.DEFAULTS);
    affinity.served("chat", "s1", deployments.get(1));
    affinity.served("chat", "s1", deployments.get(2));

    assertEquals("c/chat", affinity.order("chat", "s1", deployments).get(0).label());
  }

  @Test
  void theHeaderWinsOverTheUserField_whichCountsOnlyWhenEnabled() {
    assertEquals("h", affinity(AffinitySettings.DEFAULTS).session("h", "u"));
    assertEquals("u", affinity(AffinitySettings.DEFAULTS).session(null, "u"));
    assertNull(affinity(new AffinitySettings(true, false, 10, Duration.ofMinutes(1))).session(null, "u"));
    assertNull(SessionAffinity.OFF.session("h", "u"));
    String huge = "x".repeat(100_000);
    assertEquals(36, affinity(AffinitySettings.DEFAULTS).session(huge, null).length(), "a long name is kept as a digest");
  }

  @Test
  void memoryIsBounded_byMaxSessionsAndExpiry() {
    SessionAffinity affinity = affinity(new AffinitySettings(true, true, 100, Duration.ofMinutes(30)));
    for (int i = 0; i < 10_000; i++) affinity.served("chat", "s" + i, deployments.get(1));
    assertEquals(100, affinity.size(), "at most max-sessions conversations are remembered");

    affinity.served("chat", "kept", deployments.get(2));
    nanos.addAndGet(Duration.ofMinutes(30).minusSeconds(1).toNanos());
    assertEquals("c/chat", affinity.order("chat", "kept", deployments).get(0).label());
    nanos.addAndGet(Duration.ofMinutes(30).minusSeconds(1).toNanos());
    assertEquals("c/chat", affinity.order("chat", "kept", deployments).get(0).label(), "each use renews it");
    nanos.addAndGet(Duration.ofMinutes(30).toNanos());
    assertSame(deployments, affinity.order("chat", "kept", deployments), "forgotten once unseen for expire-after-access");
  }

  @Test
  void off_neverReorders() {
    SessionAffinity affinity = affinity(new AffinitySettings(false, true, 10, Duration.ofMinutes(1)));
    affinity.served("chat", "s1", deployments.get(2));
    assertSame(deployments, affinity.order("chat", "s1", deployments));
  }
}
