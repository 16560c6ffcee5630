package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What crosses between nodes about breakers, in a cluster where some nodes predate model breakers: a
 * failed call's outcome keeps which breaker it counts against, and an older node's outcome (without
 * {@code transport}) counts against the model, as a 5xx did before; a provider's status keeps its
 * model breakers, and an older node's status reads as having none.
 */
@Tag("unit")
class BreakerMessagesFormTest {
  private static final ActorTestKit KIT = ActorTestKit.create("breaker-messages-form");
  private static final Serialization SERIALIZATION = SerializationExtension.get(KIT.system());

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static Object roundTrip(Object message) {
    Serializer serializer = SERIALIZATION.findSerializerFor(message);
    byte[] bytes = SERIALIZATION.serialize(message).get();
    return SERIALIZATION.deserialize(bytes, serializer.identifier(), message.getClass().getName()).get();
  }

  private static Object read(String json, Class<?> type, Object sample) {
    Serializer serializer = SERIALIZATION.findSerializerFor(sample);
    return SERIALIZATION.deserialize(json.getBytes(StandardCharsets.UTF_8), serializer.identifier(), type.getName())
        .get();
  }

  @Test
  void failedOutcome_keepsWhetherTheConnectionFailed() {
    CallOutcome transport = new CallOutcome.Failed(true, false, UpstreamSignals.NONE, true);
    CallOutcome model = new CallOutcome.Failed(true, false, UpstreamSignals.NONE, false);

    assertEquals(transport, roundTrip(transport));
    assertEquals(model, roundTrip(model));
  }

  @Test
  void failedOutcomeOfAnOlderNode_countsAgainstTheModel() {
    String older = new String(SERIALIZATION.serialize(new CallOutcome.Failed(true, false, UpstreamSignals.NONE, true))
        .get(), StandardCharsets.UTF_8).replace(",\"transport\":true", "");

    CallOutcome.Failed read = (CallOutcome.Failed) read(older, CallOutcome.class, CallOutcome.NOT_SENT);

    assertEquals(new CallOutcome.Failed(true, false, UpstreamSignals.NONE), read);
    assertEquals(false, read.transport());
  }

  @Test
  void status_carriesTheModelBreakers_andAnOlderNodesReadsAsNone() {
    ProviderActor.Status status = new ProviderActor.Status("p", 0, 8, 0, 100, List.of(), 0, 0, "closed", Map.of(), 0,
        "node", Map.of("gpt-4o", new ProviderActor.ModelBreaker("open", Map.of("open", 1L))));
    assertEquals(status, roundTrip(status));
    assertEquals("open", ((ProviderActor.Status) roundTrip(status)).modelBreaker("gpt-4o"));

    String older = new String(SERIALIZATION.serialize(status).get(), StandardCharsets.UTF_8)
        .replaceAll(",\"modelBreakers\":\\{.*}}}", "}");
    ProviderActor.Status read = (ProviderActor.Status) read(older, ProviderActor.Status.class, status);
    assertEquals(Map.of(), read.modelBreakers(), older);
    assertEquals("closed", read.modelBreaker("gpt-4o"));
  }
}
