package io.switchboard.provider;

import io.switchboard.config.ProviderSettings;
import io.switchboard.provider.admission.Rejections;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * What the request path holds of one provider: its admission actor and its upstream client. The
 * admission actor is a local child on a single node, and the provider's sharded entity in a cluster,
 * wherever in the cluster that lives.
 *
 * <p>{@link #acquire} asks under an admission id drawn for the request, and asks again under the same id
 * when no answer came within the provider's {@code reask-after}, until the request's deadline; the last
 * ask waits a little longer than the deadline, so the actor (which always answers by the deadline)
 * decides. Why asks can be lost: in a cluster, when the provider's entity moves to another node (a
 * rebalance, or its node leaving in a rolling restart), Pekko's shard region drops the messages it
 * buffered for the entity's shard during the hand-off, to keep their order; such an ask reaches no
 * entity and has no answer. The repeat is safe because the actor knows the id while its permit is held
 * or its ask waits: it answers the same permit again, or lets the new ask take over the waiting one's
 * place, so one request never holds two permits and the provider's limits stay exact.
 *
 * <p>Why this and not an acknowledgement of every ask: an acknowledgement would cost every admission a
 * second message (and, with {@link AskPattern}, whose reply completes the ask, a second ask or an actor
 * per node to collect the answer later). Asking again costs nothing when the answer comes within
 * {@code reask-after}, which is the case for every grant and rejection decided on arrival; only a request
 * that waits in the provider's queue, or whose ask was lost, asks again. A request turned away because
 * the actor restarted or its entity moved ({@link ProviderActor.Reason#PROVIDER_RESTARTING}) asks again at
 * once while its deadline allows: the restarted actor, or the entity on its new node, serves it.
 */
public record ProviderHandle(
    ProviderSettings settings, RecipientRef<ProviderActor.Command> admission, Upstream upstream, Scheduler scheduler,
    Clock clock, Optional<PermitPrefetch> prefetch, BooleanSupplier nodeLeaving) {

  /** A handle that asks the provider's actor for every permit, on a node that is not shutting down. */
  public ProviderHandle(ProviderSettings settings, RecipientRef<ProviderActor.Command> admission, Upstream upstream,
      Scheduler scheduler, Clock clock) {
    this(settings, admission, upstream, scheduler, clock, Optional.empty(), () -> false);
  }

  /**
   * How long past a request's deadline its last ask still waits for the provider's own answer (which,
   * at the deadline, says why the request waited in vain) before it is refused as unanswered. It bounds
   * how late a client hears that a provider cannot be reached (its entity moving to another node): at
   * 5 s, a request with 5 s to wait got its 503 after 10 s.
   */
  static final Duration ASK_MARGIN = Duration.ofSeconds(1);

  public String id() {
    return settings.id();
  }

  /**
   * A permit once {@code model}'s call reserving {@code tokens} is admitted; fails with
   * {@link AdmissionRejectedException} otherwise.
   */
  public CompletionStage<Permit> acquire(String model, int tokens, long deadlineEpochMillis, boolean retry) {
    if (!retry && prefetch.isPresent()) {
      Optional<Permit> ready = prefetch.get().take(model, tokens);
      prefetch.get().refill(model, tokens);
      if (ready.isPresent()) return CompletableFuture.completedFuture(ready.get());
    }
    return acquire(model, tokens, deadlineEpochMillis, retry, MAX_ASKS_ACROSS_RESTARTS);
  }

  /** Re-asking after a restart is bounded, so an actor that keeps failing cannot make a request spin. */
  static final int MAX_ASKS_ACROSS_RESTARTS = 5;

  private CompletionStage<Permit> acquire(
      String model, int tokens, long deadlineEpochMillis, boolean retry, int asksLeft) {
    Admitting admitting = new Admitting(model, tokens, deadlineEpochMillis, retry, admissionId());
    // Late answers are asked again about once per reask-after until the deadline. The bound is a guard:
    // an ask that failed at once instead of timing out must not make the request spin until its deadline.
    long reasks = Math.max(0, deadlineEpochMillis - clock.millis()) / settings.reaskAfter().toMillis() + 1;
    return ask(admitting, asksLeft, reasks);
  }

  /** One request's admission, as each of its asks carries it; {@code id}: its admission id. */
  private record Admitting(String model, int tokens, long deadlineEpochMillis, boolean retry, long id) {}

  /** A request's admission id: random, so asks from different nodes never share one; never 0 (none). */
  private static long admissionId() {
    return ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
  }

  /**
   * One ask of {@code a}; asks again when no answer came in time ({@code reasksLeft} more times at most)
   * or the actor restarted ({@code asksLeft}: asks left across restarts, this one included).
   */
  private CompletionStage<Permit> ask(Admitting a, int asksLeft, long reasksLeft) {
    long remaining = Math.max(0, a.deadlineEpochMillis() - clock.millis());
    boolean last = remaining <= settings.reaskAfter().toMillis() || reasksLeft <= 0;
    Duration timeout = last ? Duration.ofMillis(remaining).plus(ASK_MARGIN) : settings.reaskAfter();
    return AskPattern.<ProviderActor.Command, ProviderActor.AdmissionResult>ask(admission,
            replyTo -> new ProviderActor.Acquire(a.model(), a.tokens(), a.deadlineEpochMillis(), a.retry(), replyTo,
                a.id()),
            timeout, scheduler)
        .handle((result, error) -> result)
        .thenCompose(result -> {
          if (result instanceof ProviderActor.Granted granted) {
            return CompletableFuture.completedFuture(new Permit(admission, granted.permitId(), nodeLeaving));
          }
          if (result == null && !last && clock.millis() < a.deadlineEpochMillis()) {
            // No answer in time: the ask may have been lost, or the request still waits in the queue. The
            // same id again: the actor answers it once, to whichever ask came last.
            return ask(a, asksLeft, reasksLeft - 1);
          }
          if (result instanceof ProviderActor.Rejected r && r.reason() == ProviderActor.Reason.PROVIDER_RESTARTING
              && clock.millis() < a.deadlineEpochMillis() && asksLeft > 1) {
            return ask(a, asksLeft - 1, reasksLeft);
          }
          ProviderActor.Rejected rejected = result instanceof ProviderActor.Rejected r ? r
              : Rejections.unanswered(id(), timeout);
          return CompletableFuture.failedFuture(new AdmissionRejectedException(rejected));
        });
  }

  public CompletionStage<ProviderActor.Status> status() {
    return AskPattern.ask(admission, ProviderActor.GetStatus::new, Duration.ofSeconds(3), scheduler);
  }
}
