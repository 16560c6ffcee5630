package io.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A continuation of a Pekko future runs on the thread that completed it once it goes through
 * {@link Stages#direct}, not on {@code ForkJoinPool.commonPool()}, where Pekko's Java API would put it.
 */
@Tag("unit")
class StagesTest {
  private static final ActorTestKit kit = ActorTestKit.create();

  record Ask(String text, ActorRef<String> replyTo) {}

  /**
   * Answers 100 ms later, from its own dispatcher thread: the continuation is attached by then, so it
   * runs where the answer completes the future (attached to a future already complete, it would run at
   * once on the caller's thread).
   */
  private static final ActorRef<Object> echo = kit.spawn(Behaviors.<Object>withTimers(timers ->
      Behaviors.receiveMessage(message -> {
        if (message instanceof Ask ask) timers.startSingleTimer(new Later(ask), Duration.ofMillis(100));
        if (message instanceof Later later) later.ask().replyTo().tell(later.ask().text());
        return Behaviors.same();
      })));

  record Later(Ask ask) {}

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static CompletionStage<String> ask(String text) {
    return AskPattern.<Object, String>ask(echo, replyTo -> new Ask(text, replyTo), Duration.ofSeconds(3),
        kit.system().scheduler());
  }

  /** Whether {@code thread} is one of the actor system's own (a dispatcher's), where the answer arrives. */
  private static boolean pekkos(String thread) {
    return thread.startsWith(kit.system().name() + "-pekko.");
  }

  @Test
  void pekkosOwnStage_runsItsContinuationsOnAnotherThread() throws Exception {
    // The reason for Stages: without it, a thenApply on an ask's answer is handed to the JDK's default
    // async executor (the common pool, or with fewer than three cores a new thread per task).
    String thread = ask("hi").thenApply(answer -> Thread.currentThread().getName())
        .toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertFalse(pekkos(thread), thread);
  }

  @Test
  void direct_runsContinuationsWhereTheAnswerArrived() throws Exception {
    String thread = Stages.direct(ask("hi")).thenApply(answer -> Thread.currentThread().getName())
        .get(5, TimeUnit.SECONDS);
    assertTrue(pekkos(thread), thread);
    assertEquals("hi", Stages.direct(ask("hi")).get(5, TimeUnit.SECONDS));
  }

  @Test
  void direct_passesAFailureOnAsItIs() {
    ExecutionException e = assertThrows(ExecutionException.class, () -> Stages.direct(
            AskPattern.<Ask, String>ask(kit.createTestProbe(Ask.class).getRef(), replyTo -> new Ask("x", replyTo),
                Duration.ofMillis(50), kit.system().scheduler()))
        .get(5, TimeUnit.SECONDS));
    assertInstanceOf(java.util.concurrent.TimeoutException.class, e.getCause());
  }
}
