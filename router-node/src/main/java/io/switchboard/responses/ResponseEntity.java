package io.switchboard.responses;

import io.switchboard.JsonSerializable;
import io.switchboard.config.ResponseStoreSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One stored response, event-sourced: the entity of a response id, wherever in the cluster it lives.
 *
 * <p>One entity per response rather than one per conversation: a follow-up names only its
 * {@code previous_response_id}, never a conversation, so any node reaches a response by its id alone;
 * and retention, deletion and ownership are each response's own (deleting one turn leaves the others
 * of its chain as they are). A chain is walked one entity at a time, which costs a round trip per turn.
 *
 * <p>Its life: {@link Absent} (nothing stored under the id), {@link Present} once {@link ResponseStored}
 * is persisted (a {@link Put} is answered only then), and {@link Gone} once {@link ResponseRemoved} is,
 * by a {@link Delete} of its owner or because its retention ended (checked against the injected clock on
 * every access, and on the {@link ResponseSweeper}'s {@link Sweep} for responses nobody asks for). Once removed, the database keeps only a small tombstone, never the response's
 * content, and recovery yields {@link Gone}, so nothing comes back: see {@link #remove}.
 *
 * <p>An entity not used for {@link ResponseStoreSettings#passivateAfter()} asks to be stopped (its
 * shard, or the single node's {@link ResponseRegistry}, then sends it {@link Stop} through its mailbox, so
 * commands already sent are answered first); the next command recovers it from the database.
 */
public final class ResponseEntity
    extends EventSourcedBehaviorWithEnforcedReplies<ResponseEntity.Command, ResponseEntity.Event, ResponseEntity.State> {

  /** The entities' type in Cluster Sharding; entity id: the response's id. */
  public static final EntityTypeKey<Command> ENTITY_TYPE = EntityTypeKey.create(Command.class, "stored-response");

  /** Messages a response's entity understands. */
  public sealed interface Command extends JsonSerializable {}

  /** Store {@code response} under its id; answered {@link Kept} once it is persisted. */
  public record Put(StoredResponse response, ActorRef<PutResult> replyTo) implements Command {}

  /** The response, if it is stored, not expired, and belongs to {@code owner}. */
  public record Get(String owner, ActorRef<Found> replyTo) implements Command {}

  /** Remove the response if it belongs to {@code owner}; answered once the removal is persisted. */
  public record Delete(String owner, ActorRef<Deleted> replyTo) implements Command {}

  /**
   * Remove the response if its retention has ended, whoever owns it: sent by the {@link ResponseSweeper}.
   * An entity started only for this check asks to be passivated once it has answered, unless it is
   * removing its response (it must live until the content is erased; see {@link #remove}).
   */
  public record Sweep(ActorRef<Swept> replyTo) implements Command {}

  /** Stop now: sent by the shard or the registry after the entity asked to be passivated. */
  public enum Stop implements Command { INSTANCE }

  /** Nothing arrived for a while: ask to be passivated. */
  private enum Idle implements Command { INSTANCE }

  /** The answer to {@link Put}. */
  public sealed interface PutResult extends JsonSerializable {}

  /** Stored durably (or it already was, identically: a repeated put). */
  public record Kept() implements PutResult {}

  /** Not stored: the id holds another response, or one that was removed. */
  public record PutRefused(String reason) implements PutResult {}

  /** The answer to {@link Get}: {@code response} is {@code null} when there is none for the caller. */
  public record Found(StoredResponse response) implements JsonSerializable {}

  /** The answer to {@link Delete}: whether a response of the caller's was removed. */
  public record Deleted(boolean deleted) implements JsonSerializable {}

  /** The answer to {@link Sweep}: whether the check removed an expired response. */
  public record Swept(boolean removed) implements JsonSerializable {}

  /** What is persisted. */
  public sealed interface Event extends JsonSerializable {}

  public record ResponseStored(StoredResponse response) implements Event {}

  public record ResponseRemoved(Cause cause) implements Event {}

  /** Written after {@link ResponseRemoved} so that the content's row can be erased; see {@link #remove}. */
  public record ContentErased() implements Event {}

  /** Why a response was removed. */
  public enum Cause { DELETED, EXPIRED }

  /** The entity's state; {@link Present} and {@link Gone} are snapshotted. */
  public sealed interface State extends JsonSerializable {}

  public record Absent() implements State {}

  public record Present(StoredResponse response) implements State {}

  public record Gone(Cause cause) implements State {}

  private static final int SNAPSHOT_EVERY = 2;

  private final Clock clock;
  private final Duration retention;
  private final Consumer<ActorRef<Command>> passivate;
  private final ActorRef<Command> self;
  /** Whether a client's command reached this incarnation, rather than only sweeps. */
  private boolean used;

  /**
   * @param passivate asks for this entity to be stopped (its shard's {@code Passivate}, or the registry's)
   */
  static Behavior<Command> create(String responseId, Clock clock, ResponseStoreSettings settings,
      Consumer<ActorRef<Command>> passivate) {
    return Behaviors.setup(context -> {
      context.setReceiveTimeout(settings.passivateAfter(), Idle.INSTANCE);
      return new ResponseEntity(context, responseId, clock, settings.retention(), passivate);
    });
  }

  public static PersistenceId persistenceId(String responseId) {
    return PersistenceId.of(ENTITY_TYPE.name(), responseId);
  }

  private ResponseEntity(ActorContext<Command> context, String responseId, Clock clock, Duration retention,
      Consumer<ActorRef<Command>> passivate) {
    // A database that fails a write or a recovery: the entity restarts with backoff; waiting asks time out.
    super(persistenceId(responseId),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
    this.clock = clock;
    this.retention = retention;
    this.passivate = passivate;
    this.self = context.getSelf();
  }

  @Override
  public State emptyState() {
    return new Absent();
  }

  /** A snapshot at every second event, and the events up to two before it deleted: see {@link #remove}. */
  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 1).withDeleteEventsOnSnapshot();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder.forStateType(Absent.class)
        .onCommand(Put.class, put -> Effect().persist(new ResponseStored(put.response()))
            .thenReply(put.replyTo(), stored -> new Kept()))
        .onCommand(Get.class, get -> Effect().reply(get.replyTo(), new Found(null)))
        .onCommand(Delete.class, delete -> Effect().reply(delete.replyTo(), new Deleted(false)))
        .onCommand(Sweep.class, this::keepAfterSweep);
    builder.forStateType(Present.class)
        .onCommand(Put.class, (state, put) -> expired(state) ? expire(put.replyTo(), refused("it has expired"))
            : Effect().reply(put.replyTo(), state.response().equals(put.response()) ? new Kept()
                : refused("another response is stored under this id")))
        .onCommand(Get.class, (state, get) -> expired(state) ? expire(get.replyTo(), new Found(null))
            : Effect().reply(get.replyTo(), new Found(ownedBy(state, get.owner()) ? state.response() : null)))
        .onCommand(Delete.class, (state, delete) -> {
          if (expired(state)) return expire(delete.replyTo(), new Deleted(false));
          if (!ownedBy(state, delete.owner())) return Effect().reply(delete.replyTo(), new Deleted(false));
          return remove(Cause.DELETED).thenReply(delete.replyTo(), gone -> new Deleted(true));
        })
        .onCommand(Sweep.class, (state, sweep) -> expired(state) ? expire(sweep.replyTo(), new Swept(true))
            : keepAfterSweep(sweep));
    builder.forStateType(Gone.class)
        .onCommand(Put.class, put -> Effect().reply(put.replyTo(), refused("it was removed")))
        .onCommand(Get.class, get -> Effect().reply(get.replyTo(), new Found(null)))
        .onCommand(Delete.class, delete -> Effect().reply(delete.replyTo(), new Deleted(false)))
        .onCommand(Sweep.class, this::keepAfterSweep);
    builder.forAnyState()
        .onCommand(Idle.class, idle -> {
          passivate.accept(self);
          return Effect().noReply();
        })
        .onCommand(Stop.class, stop -> Effect().stop().thenNoReply());
    CommandHandlerWithReply<Command, Event, State> handler = builder.build();
    return (state, command) -> {
      if (command instanceof Put || command instanceof Get || command instanceof Delete) used = true;
      return handler.apply(state, command);
    };
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(ResponseStored.class, stored -> new Present(stored.response()))
        .onEvent(ResponseRemoved.class, removed -> new Gone(removed.cause()))
        .onEvent(ContentErased.class, (state, erased) -> state)
        .build();
  }

  private boolean expired(Present state) {
    long expiresAt = state.response().createdAtEpochSecond() + retention.toSeconds();
    return clock.instant().getEpochSecond() >= expiresAt;
  }

  /**
   * Answers a sweep that removed nothing. An entity that the sweep alone woke up leaves memory at once,
   * so a sweep does not fill the nodes with entities nobody uses; one in use is recovered on its next
   * command, which the shard or the registry holds meanwhile.
   */
  private ReplyEffect<Event, State> keepAfterSweep(Sweep sweep) {
    EffectBuilder<Event, State> effect = Effect().none();
    if (!used) effect = effect.thenRun(state -> passivate.accept(self));
    return effect.thenReply(sweep.replyTo(), state -> new Swept(false));
  }

  private static boolean ownedBy(Present state, String owner) {
    return state.response().owner().equals(owner);
  }

  private static PutRefused refused(String why) {
    return new PutRefused(why);
  }

  /** Removes an expired response, then answers as if it had never been there. */
  private <R> ReplyEffect<Event, State> expire(ActorRef<R> replyTo, R answer) {
    return remove(Cause.EXPIRED).thenReply(replyTo, gone -> answer);
  }

  /**
   * Persists the removal so that the content leaves the database. The response's one
   * {@link ResponseStored} is event 1 and is never snapshotted (snapshots fall on even numbers). The
   * removal writes events 2 to 4; the snapshot after 4 holds only the tombstone, and the retention then
   * deletes events up to 2. The JDBC journal keeps the row of the highest deleted number, marked deleted
   * but with its payload, so that numbers are never reused: that row is event 2, a tombstone, while event
   * 1 and its content are erased. Hence the two {@link ContentErased} events.
   */
  private EffectBuilder<Event, State> remove(Cause cause) {
    return Effect().persist(List.of(new ResponseRemoved(cause), new ContentErased(), new ContentErased()));
  }
}
