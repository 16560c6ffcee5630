package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.config.ProviderSettings;
import io.switchboard.config.SwitchboardSettings;
import io.switchboard.provider.ProviderActor.Acquire;
import io.switchboard.provider.ProviderActor.AdmissionResult;
import io.switchboard.provider.ProviderActor.GetStatus;
import io.switchboard.provider.ProviderActor.Granted;
import io.switchboard.provider.ProviderActor.Reason;
import io.switchboard.provider.ProviderActor.Rejected;
import io.switchboard.provider.ProviderActor.Release;
import io.switchboard.provider.ProviderActor.Status;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Admission control of one provider: slots, the FIFO queue, queue-wait timeouts and what waiting
 * requests hear when the actor goes away. Time is driven by hand, so no test waits for a real timer.
 */
@Tag("unit")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderActorTest {
  private static final Duration LONG_WAIT = Duration.ofSeconds(30);

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder()
      .withCustomConfig(ManualTime.config().withFallback(ConfigFactory.load())).build();

  ManualTime manualTime;

  @BeforeAll
  void manualTime() {
    manualTime = ManualTime.get(testKit.system());
  }

  private static ProviderSettings settings(int maxInFlight, int queueSize, Duration maxWait) {
    String hocon = """
        switchboard.providers.p {
          kind = simulated
          max-in-flight = %d
          queue { max-size = %d, max-wait = %dms }
        }
        """.formatted(maxInFlight, queueSize, maxWait.toMillis());
    return SwitchboardSettings.from(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve(), k -> null)
        .providers().get("p");
  }

  private ActorRef<ProviderActor.Command> spawn(int maxInFlight, int queueSize, Duration maxWait) {
    return testKit.spawn(ProviderActor.create(settings(maxInFlight, queueSize, maxWait)));
  }

  /** Sends Acquire on behalf of a new probe and returns the probe. */
  private TestProbe<AdmissionResult> acquire(ActorRef<ProviderActor.Command> actor) {
    TestProbe<AdmissionResult> probe = testKit.createTestProbe();
    actor.tell(new Acquire(probe.getRef()));
    return probe;
  }

  private long granted(TestProbe<AdmissionResult> probe) {
    return probe.expectMessageClass(Granted.class).permitId();
  }

  /**
   * The actor's state once it has handled every message sent before: also a barrier, since any
   * answer to an earlier message has been delivered by the time this one arrives.
   */
  private Status status(ActorRef<ProviderActor.Command> actor) {
    TestProbe<Status> probe = testKit.createTestProbe();
    actor.tell(new GetStatus(probe.getRef()));
    return probe.expectMessageClass(Status.class);
  }

  @SafeVarargs
  private static void nothingFor(TestProbe<AdmissionResult>... probes) {
    for (TestProbe<AdmissionResult> probe : probes) probe.expectNoMessage(Duration.ZERO);
  }

  @Test
  void grantsUpToMaxInFlightAtOnce_thenMakesTheNextRequestWait() {
    ActorRef<ProviderActor.Command> actor = spawn(2, 4, LONG_WAIT);

    long first = granted(acquire(actor));
    long second = granted(acquire(actor));
    assertNotEquals(first, second, "each grant must carry its own permit id");

    TestProbe<AdmissionResult> third = acquire(actor);
    assertEquals(1, status(actor).queued());
    manualTime.expectNoMessageFor(Duration.ofSeconds(1), third);
  }

  @Test
  void queuedRequests_areGrantedInArrivalOrderAsSlotsFree() {
    ActorRef<ProviderActor.Command> actor = spawn(1, 3, LONG_WAIT);
    long running = granted(acquire(actor));
    TestProbe<AdmissionResult> a = acquire(actor);
    TestProbe<AdmissionResult> b = acquire(actor);
    TestProbe<AdmissionResult> c = acquire(actor);
    assertEquals(3, status(actor).queued());

    actor.tell(new Release(running));
    long permitA = granted(a);
    assertEquals(2, status(actor).queued());
    nothingFor(b, c);

    actor.tell(new Release(permitA));
    long permitB = granted(b);
    assertEquals(1, status(actor).queued());
    nothingFor(a, c);

    actor.tell(new Release(permitB));
    granted(c);
    assertEquals(0, status(actor).queued());
    nothingFor(a, b);
  }

  @Test
  void fullQueue_rejectsAtOnceWithQueueFull() {
    ActorRef<ProviderActor.Command> actor = spawn(1, 1, LONG_WAIT);
    granted(acquire(actor));
    TestProbe<AdmissionResult> waiting = acquire(actor);

    Rejected rejected = acquire(actor).expectMessageClass(Rejected.class);

    assertEquals(Reason.QUEUE_FULL, rejected.reason());
    assertTrue(rejected.message().contains("'p'"), rejected.message());
    assertTrue(rejected.message().contains("limit 1"), rejected.message());
    assertTrue(rejected.message().contains("queue of 1"), rejected.message());
    assertTrue(rejected.retryAfter().compareTo(Duration.ZERO) > 0, "retryAfter " + rejected.retryAfter());
    assertEquals(1, status(actor).queued(), "the rejected request must not take a queue place");
    nothingFor(waiting);
  }

  @Test
  void waiter_isRejectedWithQueueTimeoutExactlyWhenMaxWaitPasses() {
    Duration maxWait = Duration.ofSeconds(5);
    ActorRef<ProviderActor.Command> actor = spawn(1, 2, maxWait);
    granted(acquire(actor));
    TestProbe<AdmissionResult> waiter = acquire(actor);
    assertEquals(1, status(actor).queued()); // Acquire handled: its timer is running

    manualTime.timePasses(maxWait.minusMillis(1));
    assertEquals(1, status(actor).queued());
    nothingFor(waiter);

    manualTime.timePasses(Duration.ofMillis(1));
    Rejected rejected = waiter.expectMessageClass(Rejected.class);
    assertEquals(Reason.QUEUE_TIMEOUT, rejected.reason());
    assertTrue(rejected.message().contains("5000 ms"), rejected.message());
    assertTrue(rejected.retryAfter().compareTo(Duration.ZERO) > 0, "retryAfter " + rejected.retryAfter());
  }

  @Test
  void timedOutWaiter_leavesTheQueue_andIsNotGrantedLater() {
    Duration maxWait = Duration.ofSeconds(5);
    ActorRef<ProviderActor.Command> actor = spawn(1, 1, maxWait);
    long running = granted(acquire(actor));
    TestProbe<AdmissionResult> timedOut = acquire(actor);
    assertEquals(1, status(actor).queued());

    manualTime.timePasses(maxWait);
    assertEquals(Reason.QUEUE_TIMEOUT, timedOut.expectMessageClass(Rejected.class).reason());
    assertEquals(0, status(actor).queued());

    // The single queue place is free again: a newcomer waits instead of being told the queue is full.
    TestProbe<AdmissionResult> newcomer = acquire(actor);
    assertEquals(1, status(actor).queued());
    nothingFor(newcomer);

    actor.tell(new Release(running));
    granted(newcomer);
    Status status = status(actor);
    assertEquals(1, status.inFlight());
    assertEquals(0, status.queued());
    nothingFor(timedOut);
  }

  @Test
  void releasingAnUnknownOrAlreadyReleasedPermit_freesNoSlot() {
    ActorRef<ProviderActor.Command> actor = spawn(2, 4, LONG_WAIT);
    long first = granted(acquire(actor));
    granted(acquire(actor));
    TestProbe<AdmissionResult> c = acquire(actor);
    TestProbe<AdmissionResult> d = acquire(actor);

    actor.tell(new Release(first + 1000));
    Status afterUnknown = status(actor);
    assertEquals(2, afterUnknown.inFlight());
    assertEquals(2, afterUnknown.queued());
    nothingFor(c, d);

    actor.tell(new Release(first));
    granted(c);
    actor.tell(new Release(first));
    Status afterDouble = status(actor);
    assertEquals(2, afterDouble.inFlight(), "a second release of the same permit must not free another slot");
    assertEquals(1, afterDouble.queued());
    nothingFor(d);
  }

  @Test
  void status_reportsSlotsAndQueue() {
    ActorRef<ProviderActor.Command> actor = spawn(3, 5, LONG_WAIT);
    assertEquals(new Status("p", 0, 3, 0, 5), status(actor));

    long first = granted(acquire(actor));
    long second = granted(acquire(actor));
    granted(acquire(actor));
    TestProbe<AdmissionResult> queued = acquire(actor);
    assertEquals(new Status("p", 3, 3, 1, 5), status(actor));

    actor.tell(new Release(first));
    long handedOn = granted(queued);
    assertEquals(new Status("p", 3, 3, 0, 5), status(actor));

    actor.tell(new Release(second));
    actor.tell(new Release(handedOn));
    assertEquals(new Status("p", 1, 3, 0, 5), status(actor));
  }

  @Test
  void stoppingTheActor_rejectsEveryWaiterWithProviderRestarting() {
    ActorRef<ProviderActor.Command> actor = spawn(1, 3, LONG_WAIT);
    TestProbe<AdmissionResult> running = acquire(actor);
    granted(running);
    TestProbe<AdmissionResult> b = acquire(actor);
    TestProbe<AdmissionResult> c = acquire(actor);
    assertEquals(2, status(actor).queued());

    testKit.stop(actor);

    for (TestProbe<AdmissionResult> waiter : List.of(b, c)) {
      Rejected rejected = waiter.expectMessageClass(Rejected.class);
      assertEquals(Reason.PROVIDER_RESTARTING, rejected.reason());
      assertTrue(rejected.message().contains("'p'"), rejected.message());
      assertTrue(rejected.retryAfter().compareTo(Duration.ZERO) > 0, "retryAfter " + rejected.retryAfter());
    }
    nothingFor(running);
  }
}
