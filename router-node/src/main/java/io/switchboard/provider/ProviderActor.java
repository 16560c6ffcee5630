package io.switchboard.provider;

import io.switchboard.JsonSerializable;
import io.switchboard.config.ProviderSettings;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Admission control for one provider account: at most {@code max-in-flight} requests run upstream at
 * once, and the rest wait in a bounded FIFO queue for up to {@code queue.max-wait}. Only these small
 * control messages pass through the actor; request and response bodies never do.
 *
 * <p>Trade-off: the actor's state lives in memory. When it restarts (supervised, with backoff) the
 * waiting requests are answered {@link Rejected} at once rather than left to time out, and permits
 * granted before the restart are forgotten, so the in-flight count briefly under-counts until those
 * requests finish. Persisted limits arrive with the token buckets.
 *
 * <p>Waiting is timed by the actor's scheduler, so tests drive it with Pekko's {@code ManualTime}.
 */
public final class ProviderActor extends AbstractBehavior<ProviderActor.Command> {

  /** Messages the provider actor understands. */
  public sealed interface Command extends JsonSerializable {}

  /** Ask for a slot to call the upstream; answered {@link Granted} now or later, or {@link Rejected}. */
  public record Acquire(ActorRef<AdmissionResult> replyTo) implements Command {}

  /** Hand a granted slot back: the upstream call is over, whatever its outcome. */
  public record Release(long permitId) implements Command {}

  /** Ask for a snapshot of the admission state. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  private record QueueWaitExpired(long ticket) implements Command {}

  /** The answer to {@link Acquire}. */
  public sealed interface AdmissionResult extends JsonSerializable {}

  /** A slot was granted; hand it back with {@link Release}. */
  public record Granted(long permitId) implements AdmissionResult {}

  /** No slot: why, in words a client can act on, and when it is worth trying again. */
  public record Rejected(Reason reason, String message, Duration retryAfter) implements AdmissionResult {}

  /** Why admission was refused. */
  public enum Reason {
    QUEUE_FULL,
    QUEUE_TIMEOUT,
    PROVIDER_RESTARTING
  }

  /** Admission state at one moment. */
  public record Status(String provider, int inFlight, int maxInFlight, int queued, int queueCapacity)
      implements JsonSerializable {}

  private record Waiting(long ticket, ActorRef<AdmissionResult> replyTo) {}

  static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  private final ProviderSettings settings;
  private final TimerScheduler<Command> timers;
  private final Set<Long> permits = new HashSet<>();
  private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
  private long nextPermit = 1;
  private long nextTicket = 1;

  /** The provider actor under supervision: restarted with backoff when it fails. */
  public static Behavior<Command> create(ProviderSettings settings) {
    ProviderSettings.Supervision s = settings.supervision();
    return Behaviors.supervise(
            Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers -> new ProviderActor(ctx, settings, timers))))
        .onFailure(SupervisorStrategy.restartWithBackoff(s.minBackoff(), s.maxBackoff(), s.randomFactor()));
  }

  private ProviderActor(ActorContext<Command> context, ProviderSettings settings, TimerScheduler<Command> timers) {
    super(context);
    this.settings = settings;
    this.timers = timers;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Acquire.class, this::onAcquire)
        .onMessage(Release.class, this::onRelease)
        .onMessage(QueueWaitExpired.class, this::onQueueWaitExpired)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onSignal(PreRestart.class, signal -> rejectAllWaiting())
        .onSignal(PostStop.class, signal -> rejectAllWaiting())
        .build();
  }

  private Behavior<Command> onAcquire(Acquire acquire) {
    if (permits.size() < settings.maxInFlight() && queue.isEmpty()) {
      acquire.replyTo().tell(grant());
    } else if (queue.size() >= settings.queue().maxSize()) {
      acquire.replyTo().tell(new Rejected(Reason.QUEUE_FULL,
          "Provider '" + settings.id() + "' has " + permits.size() + " requests in flight (limit "
              + settings.maxInFlight() + ") and its queue of " + settings.queue().maxSize()
              + " is full. Retry after " + RETRY_AFTER.toSeconds() + "s.",
          RETRY_AFTER));
    } else {
      long ticket = nextTicket++;
      queue.addLast(new Waiting(ticket, acquire.replyTo()));
      timers.startSingleTimer(ticket, new QueueWaitExpired(ticket), settings.queue().maxWait());
    }
    return this;
  }

  private Behavior<Command> onRelease(Release release) {
    if (permits.remove(release.permitId())) {
      while (permits.size() < settings.maxInFlight() && !queue.isEmpty()) {
        Waiting next = queue.pollFirst();
        timers.cancel(next.ticket());
        next.replyTo().tell(grant());
      }
    }
    return this;
  }

  private Behavior<Command> onQueueWaitExpired(QueueWaitExpired expired) {
    for (Iterator<Waiting> it = queue.iterator(); it.hasNext(); ) {
      Waiting waiting = it.next();
      if (waiting.ticket() == expired.ticket()) {
        it.remove();
        waiting.replyTo().tell(new Rejected(Reason.QUEUE_TIMEOUT,
            "Waited " + settings.queue().maxWait().toMillis() + " ms for one of provider '" + settings.id()
                + "'s " + settings.maxInFlight() + " request slots without getting one. Retry after "
                + RETRY_AFTER.toSeconds() + "s.",
            RETRY_AFTER));
        break;
      }
    }
    return this;
  }

  private Behavior<Command> onGetStatus(GetStatus get) {
    get.replyTo().tell(new Status(
        settings.id(), permits.size(), settings.maxInFlight(), queue.size(), settings.queue().maxSize()));
    return this;
  }

  private Granted grant() {
    long id = nextPermit++;
    permits.add(id);
    return new Granted(id);
  }

  private Behavior<Command> rejectAllWaiting() {
    for (Waiting waiting : queue) {
      waiting.replyTo().tell(new Rejected(Reason.PROVIDER_RESTARTING,
          "Provider '" + settings.id() + "' restarted while this request waited for a slot. Retry after "
              + RETRY_AFTER.toSeconds() + "s.",
          RETRY_AFTER));
    }
    queue.clear();
    return this;
  }
}
