package io.switchboard.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.ManualClock;
import io.switchboard.config.ProviderSettings;
import io.switchboard.persistence.InMemoryStateStore;
import io.switchboard.provider.ProviderActor.Acquire;
import io.switchboard.provider.ProviderActor.AdmissionResult;
import io.switchboard.provider.ProviderActor.Prefetch;
import io.switchboard.provider.ProviderActor.Prefetched;
import io.switchboard.provider.ProviderActor.Release;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Permits fetched ahead: the provider's actor grants them like any other permit (its buckets and slots
 * count them, so a limit holds whatever a node holds ready), never while requests queue or the breaker
 * is not closed; a node hands them to requests without asking, and hands back the ones nobody took.
 */
@Tag("unit")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PermitPrefetchTest {
  private static final String MODEL = ProviderActorTest.MODEL;
  private final ActorTestKit testKit = ActorTestKit.create("prefetch-test");
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-21T10:00:00Z"));

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  private ActorRef<ProviderActor.Command> spawn(String hocon) {
    return testKit.spawn(ProviderActor.create(ProviderActorTest.settings(hocon), new InMemoryStateStore<>(), clock));
  }

  private List<Long> prefetch(ActorRef<ProviderActor.Command> actor, int tokens, int count) {
    TestProbe<Prefetched> probe = testKit.createTestProbe();
    actor.tell(new Prefetch(MODEL, tokens, count, probe.getRef()));
    return probe.expectMessageClass(Prefetched.class).permitIds();
  }

  private ProviderActor.Status status(ActorRef<ProviderActor.Command> actor) {
    TestProbe<ProviderActor.Status> probe = testKit.createTestProbe();
    actor.tell(new ProviderActor.GetStatus(probe.getRef()));
    return probe.expectMessageClass(ProviderActor.Status.class);
  }

  /** The next {@code type} the actor probe gets; a top-up fetch on the way is answered with nothing. */
  private static <T extends ProviderActor.Command> T next(TestProbe<ProviderActor.Command> admission, Class<T> type) {
    while (true) {
      ProviderActor.Command command = admission.expectMessageClass(ProviderActor.Command.class);
      if (type.isInstance(command)) return type.cast(command);
      if (command instanceof Prefetch fetch) fetch.replyTo().tell(new Prefetched(List.of()));
      else throw new AssertionError("unexpected " + command);
    }
  }

  @Test
  void prefetchedPermits_areRealPermits_limitedBySlotsAndBuckets() {
    ActorRef<ProviderActor.Command> actor = spawn("max-in-flight = 3");
    List<Long> ids = prefetch(actor, 10, 5);
    assertEquals(3, ids.size(), "no more than the free slots");
    assertEquals(3, status(actor).inFlight());
    assertEquals(List.of(), prefetch(actor, 10, 5), "nothing more while every slot is held");
    actor.tell(new Release(ids.get(0), CallOutcome.NOT_SENT));
    assertEquals(1, prefetch(actor, 10, 5).size());

    ActorRef<ProviderActor.Command> limited = spawn("limits.requests-per-minute = 4, limits.headroom = 0");
    // Buckets start without an allowance until their first checkpoint is written; a status round trip later it is.
    status(limited);
    int got = prefetch(limited, 10, 10).size();
    assertTrue(got >= 1 && got <= 4, "never more than the requests-per-minute bucket holds: " + got);
  }

  @Test
  void nothingIsPrefetched_whileRequestsQueue_orTheBreakerIsOpen() {
    ActorRef<ProviderActor.Command> actor = spawn("max-in-flight = 1");
    TestProbe<AdmissionResult> first = testKit.createTestProbe();
    actor.tell(new Acquire(MODEL, 10, clock.millis() + 30_000, false, first.getRef()));
    TestProbe<AdmissionResult> queued = testKit.createTestProbe();
    actor.tell(new Acquire(MODEL, 10, clock.millis() + 30_000, false, queued.getRef()));
    assertEquals(1, status(actor).queued());
    long held = first.expectMessageClass(ProviderActor.Granted.class).permitId();
    actor.tell(new Release(held, CallOutcome.NOT_SENT));
    queued.expectMessageClass(ProviderActor.Granted.class);
    assertEquals(List.of(), prefetch(actor, 10, 2), "the slot went to the queued request, not to a node's stock");

    ActorRef<ProviderActor.Command> failing = spawn("breaker.consecutive-failures = 1");
    long id = prefetch(failing, 10, 1).get(0);
    failing.tell(new Release(id, new CallOutcome.Failed(true, false, UpstreamSignals.NONE, true)));
    assertEquals("open", status(failing).breaker());
    assertEquals(List.of(), prefetch(failing, 10, 1), "an open breaker lends nothing");
  }

  @Test
  void aHandle_givesPrefetchedPermitsToRequests_withoutAskingTheActor_andHandsBackIdleOnes() throws Exception {
    TestProbe<ProviderActor.Command> admission = testKit.createTestProbe();
    ProviderSettings settings = ProviderActorTest.settings("prefetch { permits = 3, idle = 200ms }");
    PermitPrefetch prefetch = new PermitPrefetch(settings.prefetch(), admission.getRef(), testKit.system().scheduler(),
        clock, () -> false);
    ProviderHandle handle = new ProviderHandle(settings, admission.getRef(), call -> null, testKit.system().scheduler(),
        clock, java.util.Optional.of(prefetch), () -> false);

    // The first request asks as usual, and its ask starts a fetch of three.
    var first = handle.acquire(MODEL, 50, clock.millis() + 5_000, false);
    Prefetch fetch = admission.expectMessageClass(Prefetch.class);
    Acquire ask = admission.expectMessageClass(Acquire.class);
    assertEquals(3, fetch.count());
    assertEquals(50, fetch.tokensEach());
    ask.replyTo().tell(new ProviderActor.Granted(1, false));
    fetch.replyTo().tell(new Prefetched(List.of(11L, 12L, 13L)));
    first.toCompletableFuture().get(5, TimeUnit.SECONDS);
    testKit.createTestProbe().awaitAssert(() -> {
      assertEquals(3, prefetch.ready());
      return null;
    });

    // The next requests that fit start at once: the actor hears only the top-up fetch, no Acquire.
    assertTrue(handle.acquire(MODEL, 40, clock.millis() + 5_000, false).toCompletableFuture().isDone());
    Prefetch topUp = admission.expectMessageClass(Prefetch.class);
    assertEquals(1, topUp.count(), "one taken, one fetched again");
    topUp.replyTo().tell(new Prefetched(List.of()));
    // A request larger than the permits ready asks as usual; a retry always asks.
    handle.acquire(MODEL, 500, clock.millis() + 5_000, false);
    assertEquals(500, next(admission, Acquire.class).tokens());
    handle.acquire(MODEL, 10, clock.millis() + 5_000, true);
    assertTrue(next(admission, Acquire.class).retry());

    // The two nobody took are handed back, refunded in full, once they have been idle.
    clock.advance(Duration.ofMillis(250));
    prefetch.returnIdle();
    assertEquals(CallOutcome.NOT_SENT, next(admission, Release.class).outcome());
    assertEquals(CallOutcome.NOT_SENT, next(admission, Release.class).outcome());
    assertEquals(0, prefetch.ready());
  }
}
