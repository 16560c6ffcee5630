package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.breaker.CircuitBreaker;
import io.switchboard.ratelimit.ProviderLimits;
import io.switchboard.ratelimit.TokenBucket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The persisted form of a provider's state, pinned: what a node writes with Pekko's Jackson serializer
 * is exactly {@code golden/persisted/provider-state.json}, under the manifest of {@link ProviderState},
 * and that fixture reads back as the same state. A rename or move of a persisted record or field would
 * leave rows saved by an older node unreadable after an upgrade; this fails first.
 */
@Tag("unit")
class ProviderStatePersistedFormTest {
  private static final String FIXTURE = "persisted/provider-state.json";
  private static final ActorTestKit KIT = ActorTestKit.create("provider-state-form");
  private static final Serialization SERIALIZATION = SerializationExtension.get(KIT.system());

  /**
   * A state with every persisted part present: a configured and a learned bucket, a pause, an open
   * breaker, an open model breaker and one counting failures.
   */
  private static final ProviderState STATE = new ProviderState(1_795_255_200_000L,
      new ProviderLimits.Snapshot(List.of(
          new ProviderLimits.BucketRecord(ProviderLimits.PROVIDER_SCOPE, ProviderLimits.Dimension.REQUESTS, false,
              new TokenBucket.State(100.0, 60_000, 65.0, 1_795_255_199_000L, 0)),
          new ProviderLimits.BucketRecord("gpt-4o", ProviderLimits.Dimension.TOKENS, true,
              new TokenBucket.State(27_000.0, 60_000, -1_250.5, 1_795_255_199_500L, 0))),
          1_795_255_230_000L),
      new CircuitBreaker.Snapshot(CircuitBreaker.State.OPEN, 0, 10_000, 1_795_255_195_000L),
      Map.of("gpt-4o", new CircuitBreaker.Snapshot(CircuitBreaker.State.OPEN, 0, 5_000, 1_795_255_198_000L),
          "gpt-4o-mini", new CircuitBreaker.Snapshot(CircuitBreaker.State.CLOSED, 2, 5_000, 0)));

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void providerState_isWrittenExactlyAsTheGoldenJson() {
    Serializer serializer = SERIALIZATION.findSerializerFor(STATE);
    String written = new String(SERIALIZATION.serialize(STATE).get(), StandardCharsets.UTF_8);
    Golden.assertJsonEquals(Golden.json(FIXTURE), Golden.tree(written), "the persisted provider state");
    assertEquals(Golden.json(FIXTURE).toString(), written, "field order and number form of the persisted state");
    assertEquals("io.switchboard.provider.ProviderState", Serializers.manifestFor(serializer, STATE));
  }

  @Test
  void goldenJson_readsBackAsTheSameProviderState() {
    Serializer serializer = SERIALIZATION.findSerializerFor(STATE);
    Object read = SERIALIZATION.deserialize(Golden.text(FIXTURE).getBytes(StandardCharsets.UTF_8),
        serializer.identifier(), "io.switchboard.provider.ProviderState").get();
    assertEquals(STATE, read);
  }

  @Test
  void stateSavedBeforeModelBreakers_readsBack_withNone() {
    Serializer serializer = SERIALIZATION.findSerializerFor(STATE);
    Object read = SERIALIZATION.deserialize(Golden.text("persisted/provider-state-before-model-breakers.json")
        .getBytes(StandardCharsets.UTF_8), serializer.identifier(), "io.switchboard.provider.ProviderState").get();
    assertEquals(new ProviderState(STATE.savedAtEpochMillis(), STATE.limits(), STATE.breaker()), read);
    assertEquals(Map.of(), ((ProviderState) read).modelBreakers());
  }
}
