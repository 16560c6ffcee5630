package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.switchboard.ManualClock;
import io.switchboard.config.ProviderSettings;
import io.switchboard.persistence.InMemoryStateStore;
import io.switchboard.provider.ProviderActor.Acquire;
import io.switchboard.provider.ProviderActor.AdmissionResult;
import io.switchboard.provider.ProviderActor.GetStatus;
import io.switchboard.provider.ProviderActor.Granted;
import io.switchboard.provider.ProviderActor.Reason;
import io.switchboard.provider.ProviderActor.Rejected;
import io.switchboard.provider.ProviderActor.Release;
import io.switchboard.provider.ProviderActor.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No admission is lost when a provider's entity moves to another node (issue 22): an ask lost on the
 * way is asked again under the same admission id after {@code reask-after}, well before the request's
 * deadline, and the repeat never takes a second permit; an entity stopped for a hand-off answers the
 * asks it holds, and those in its mailbox, so they are asked again on its new home at once. Time is
 * driven by hand (ManualTime for the asks' timeouts and the actor's timers, a manual clock for deadlines).
 */
@Tag("unit")
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdmissionHandOffTest {
  private static final String MODEL = ProviderActorTest.MODEL;
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration REASK = Duration.ofSeconds(2);

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder()
      .withCustomConfig(ManualTime.config().withFallback(ConfigFactory.load())).build();

  ManualTime manualTime;
  final ManualClock clock = new ManualClock(Instant.parse("2026-12-06T23:00:00Z"));

  @BeforeAll
  void manualTime() {
    manualTime = ManualTime.get(testKit.system());
  }

  static ProviderSettings settings(String hocon) {
    return ProviderActorTest.settings("reask-after = 2s\n" + hocon);
  }

  ActorRef<ProviderActor.Command> spawn(ProviderSettings settings) {
    return testKit.spawn(ProviderActor.create(settings, new InMemoryStateStore<>(), clock));
  }

  ProviderHandle handle(ProviderSettings settings, ActorRef<ProviderActor.Command> admission) {
    return new ProviderHandle(settings, admission, call -> null, testKit.system().scheduler(), clock);
  }

  void advance(Duration by) {
    clock.advance(by);
    manualTime.timePasses(by);
  }

  Status status(ActorRef<ProviderActor.Command> actor) {
    TestProbe<Status> probe = testKit.createTestProbe();
    actor.tell(new GetStatus(probe.getRef()));
    return probe.expectMessageClass(Status.class);
  }

  static Permit admitted(CompletionStage<Permit> permit) throws Exception {
    return permit.toCompletableFuture().get(3, TimeUnit.SECONDS);
  }

  /**
   * A stand-in for sharding in front of {@code target}: it drops the first {@code drop} Acquires (as a
   * shard region drops what it buffered during a hand-off) and passes everything else on.
   */
  ActorRef<ProviderActor.Command> dropping(int drop, ActorRef<ProviderActor.Command> target, List<Acquire> seen) {
    int[] left = {drop};
    return testKit.spawn(Behaviors.receiveMessage(command -> {
      if (command instanceof Acquire acquire) {
        seen.add(acquire);
        if (left[0]-- > 0) return Behaviors.same();
      }
      target.tell(command);
      return Behaviors.same();
    }));
  }

  @Test
  void anAskLostOnTheWay_isAskedAgainUnderTheSameId_andAdmittedWellBeforeItsDeadline() throws Exception {
    TestProbe<ProviderActor.Command> standIn = testKit.createTestProbe();
    ProviderHandle handle = handle(settings(""), standIn.getRef());
    long deadline = clock.millis() + WAIT.toMillis();
    CompletionStage<Permit> permit = handle.acquire(MODEL, 10, deadline, false);

    Acquire lost = standIn.expectMessageClass(Acquire.class); // never answered
    standIn.expectNoMessage(Duration.ofMillis(20));
    advance(REASK);
    Acquire again = standIn.expectMessageClass(Acquire.class);
    assertNotEquals(0, again.admission(), "the ask carries an admission id");
    assertEquals(lost.admission(), again.admission(), "asked again as the same admission");
    again.replyTo().tell(new Granted(7, false));

    admitted(permit);
    assertTrue(clock.millis() <= deadline - WAIT.toMillis() + REASK.toMillis(),
        "admitted after one reask-after, 58 s before its deadline");
  }

  @Test
  void anEntityThatNeverAnswers_isRefusedWithinASecondOfTheRequestsDeadline() {
    TestProbe<ProviderActor.Command> silent = testKit.createTestProbe();
    ProviderHandle handle = handle(settings(""), silent.getRef());
    long deadline = clock.millis() + Duration.ofSeconds(5).toMillis();
    CompletableFuture<Permit> permit = handle.acquire(MODEL, 10, deadline, false).toCompletableFuture();
    silent.expectMessageClass(Acquire.class);
    advance(REASK);
    silent.expectMessageClass(Acquire.class);
    advance(REASK);
    silent.expectMessageClass(Acquire.class); // the last ask, 1 s before the deadline
    advance(Duration.ofSeconds(1));
    silent.expectNoMessage(Duration.ofMillis(50));
    assertFalse(permit.isDone(), "at the deadline the provider may still answer, a moment late");
    advance(Duration.ofSeconds(1));
    ExecutionException refused = assertThrows(ExecutionException.class, () -> permit.get(3, TimeUnit.SECONDS),
        "refused a second after the deadline, not five");
    assertInstanceOf(AdmissionRejectedException.class, refused.getCause());
    assertTrue(Duration.ofMillis(clock.millis() - deadline).compareTo(Duration.ofSeconds(1)) <= 0);
  }

  @Test
  void aRepeatedAsk_takesNoSecondPermit_whetherGrantedOrWaiting() {
    ActorRef<ProviderActor.Command> actor = spawn(settings("max-in-flight = 2"));
    long deadline = clock.millis() + WAIT.toMillis();

    // Granted, then asked again (its answer was late): the same permit, one slot.
    TestProbe<AdmissionResult> first = testKit.createTestProbe();
    TestProbe<AdmissionResult> repeat = testKit.createTestProbe();
    actor.tell(new Acquire(MODEL, 10, deadline, false, first.getRef(), 42));
    actor.tell(new Acquire(MODEL, 10, deadline, false, repeat.getRef(), 42));
    long permit = first.expectMessageClass(Granted.class).permitId();
    assertEquals(permit, repeat.expectMessageClass(Granted.class).permitId());
    assertEquals(1, status(actor).inFlight(), "one request, one slot, though a second was free");

    // Another request fills the second slot; a third waits, and its repeat takes over its place.
    TestProbe<AdmissionResult> other = testKit.createTestProbe();
    actor.tell(new Acquire(MODEL, 10, deadline, false, other.getRef(), 43));
    long otherPermit = other.expectMessageClass(Granted.class).permitId();
    TestProbe<AdmissionResult> waiting = testKit.createTestProbe();
    TestProbe<AdmissionResult> waitingAgain = testKit.createTestProbe();
    actor.tell(new Acquire(MODEL, 10, deadline, false, waiting.getRef(), 44));
    actor.tell(new Acquire(MODEL, 10, deadline, false, waitingAgain.getRef(), 44));
    assertEquals(1, status(actor).queued(), "the repeat does not queue a second time");

    actor.tell(new Release(permit, CallOutcome.NOT_SENT));
    waitingAgain.expectMessageClass(Granted.class);
    waiting.expectNoMessage(Duration.ofMillis(20));
    actor.tell(new Release(otherPermit, CallOutcome.NOT_SENT));
    Status status = status(actor);
    assertEquals(1, status.inFlight());
    assertEquals(0, status.queued());
  }

  @Test
  void aHandle_whoseFirstAskIsDropped_holdsOnePermit_evenWhenTheDroppedAskArrivesLate() throws Exception {
    ActorRef<ProviderActor.Command> actor = spawn(settings("max-in-flight = 2"));
    List<Acquire> seen = new ArrayList<>();
    ProviderHandle handle = handle(settings("max-in-flight = 2"), dropping(1, actor, seen));
    long deadline = clock.millis() + WAIT.toMillis();
    CompletionStage<Permit> permit = handle.acquire(MODEL, 10, deadline, false);
    testKit.createTestProbe().awaitAssert(() -> {
      assertEquals(1, seen.size());
      return null;
    });
    advance(REASK);
    admitted(permit);

    // The dropped ask turns up after all (delivered late rather than lost): it takes nothing more.
    TestProbe<AdmissionResult> late = testKit.createTestProbe();
    Acquire dropped = seen.get(0);
    actor.tell(new Acquire(MODEL, 10, deadline, false, late.getRef(), dropped.admission()));
    late.expectMessageClass(Granted.class);
    assertEquals(1, status(actor).inFlight(), "one request holds one permit");
  }

  @Test
  void anEntityStoppedForAHandOff_answersTheAsksItHolds_andTheyAreServedOnItsNewHome() throws Exception {
    ProviderSettings settings = settings("max-in-flight = 1");
    ActorRef<ProviderActor.Command> old = spawn(settings);
    ActorRef<ProviderActor.Command> fresh = spawn(settings);
    // A stand-in for sharding: it delivers to wherever the entity lives now.
    AtomicReference<ActorRef<ProviderActor.Command>> home = new AtomicReference<>(old);
    ActorRef<ProviderActor.Command> region = testKit.spawn(Behaviors.receiveMessage(command -> {
      home.get().tell(command);
      return Behaviors.same();
    }));
    ProviderHandle handle = handle(settings, region);
    long deadline = clock.millis() + WAIT.toMillis();

    admitted(handle.acquire(MODEL, 10, deadline, false)); // holds the old entity's only slot
    CompletionStage<Permit> waiting = handle.acquire(MODEL, 10, deadline, false);
    testKit.createTestProbe().awaitAssert(() -> {
      assertEquals(1, status(old).queued());
      return null;
    });
    // An ask already in the entity's mailbox when sharding's stop message comes is answered too.
    TestProbe<AdmissionResult> inMailbox = testKit.createTestProbe();
    TestProbe<Object> watcher = testKit.createTestProbe();
    home.set(fresh);
    old.tell(new Acquire(MODEL, 10, deadline, false, inMailbox.getRef(), 99));
    old.tell(ProviderActor.HandOff.STOP);

    Rejected rejected = inMailbox.expectMessageClass(Rejected.class);
    assertEquals(Reason.PROVIDER_RESTARTING, rejected.reason());
    watcher.expectTerminated(old, Duration.ofSeconds(3));
    // The waiting request asked again at once, with no time passing, and the new home admitted it.
    admitted(waiting);
    assertEquals(1, status(fresh).inFlight());
  }

  @Test
  void anAcquire_withItsAdmissionId_crossesTheWire() {
    TestProbe<AdmissionResult> probe = testKit.createTestProbe();
    Acquire acquire = new Acquire(MODEL, 10, 1_000, true, probe.getRef(), 1234567890123L);
    Serialization serialization = SerializationExtension.get(testKit.system().classicSystem());
    byte[] bytes = serialization.serialize(acquire).get();
    Object back = serialization.deserialize(bytes, serialization.findSerializerFor(acquire).identifier(),
        Serializers.manifestFor(serialization.findSerializerFor(acquire), acquire)).get();
    assertEquals(acquire, back);
  }
}
