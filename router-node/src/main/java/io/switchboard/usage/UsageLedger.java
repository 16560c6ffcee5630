package io.switchboard.usage;

import io.switchboard.JsonSerializable;
import io.switchboard.config.UsageSettings;
import io.switchboard.persistence.JdbcPool;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.time.Duration;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.pattern.StatusReply;

/**
 * Writes usage records to the database in batches, off the request path: a request only {@code tell}s
 * its {@link Record}. A batch is written every {@code flush-interval}, or as soon as {@code
 * flush-records} are waiting; one write runs at a time.
 *
 * <p>It also answers what a key has spent ({@link SpentBy}), exactly: the sum is read in the same
 * database call that writes the batch before it, and the records still buffered here are added, so no
 * record is missed or counted twice. Key actors start from this sum.
 *
 * <p>Bounded: at most {@code max-buffered} records wait in memory. When the database is down for long
 * enough to fill that, new records are dropped and counted in a warning (their costs still count in
 * the key actors' memory, so budgets hold until a restart). A batch that fails is put back and tried
 * again at the next interval. {@link Flush} writes everything before the node stops; a stop without it
 * writes what is left synchronously, best effort.
 */
public final class UsageLedger extends AbstractBehavior<UsageLedger.Command> {

  /** Messages the ledger understands. */
  public sealed interface Command extends JsonSerializable {}

  /** Keep this record. */
  public record Record(UsageRecord record) implements Command {}

  /** What {@code keyId} has spent over its life, written and buffered records together. */
  public record SpentBy(String keyId, ActorRef<StatusReply<BigDecimal>> replyTo) implements Command {}

  /** Write everything buffered now; answered when done (or when the database refused). */
  public record Flush(ActorRef<Done> replyTo) implements Command {}

  private record Written(List<SpentBy> queries, Map<String, BigDecimal> sums, int count) implements Command {}

  private record WriteFailed(List<UsageRecord> batch, List<SpentBy> queries, String reason) implements Command {}

  private enum Tick implements Command { INSTANCE }

  /** Every this many dropped records, the warning is repeated. */
  static final long WARN_EVERY_DROPPED = 1_000;

  static final Duration SHUTDOWN_FLUSH_WAIT = Duration.ofSeconds(10);

  private final JdbcPool pool;
  private final Cancellable flushAtShutdown;
  private final UsageStore store;
  private final UsageSettings settings;
  private final ArrayDeque<UsageRecord> pending = new ArrayDeque<>();
  private final List<SpentBy> queries = new ArrayList<>();
  private final List<ActorRef<Done>> flushWaiters = new ArrayList<>();
  private boolean writing;
  private boolean failing;
  private long dropped;

  public static Behavior<Command> create(JdbcPool pool, UsageStore store, UsageSettings settings) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.flushInterval());
      ActorRef<Command> self = context.getSelf();
      // After the HTTP server has drained (service-requests-done), before actors stop: the last records.
      Cancellable flushAtShutdown = CoordinatedShutdown.get(context.getSystem()).addCancellableTask(
          CoordinatedShutdown.PhaseServiceStop(), "usage-ledger-flush",
          () -> AskPattern.<Command, Done>ask(self, Flush::new, SHUTDOWN_FLUSH_WAIT, context.getSystem().scheduler())
              .exceptionally(error -> Done.getInstance()));
      return new UsageLedger(context, pool, store, settings, flushAtShutdown);
    }));
  }

  private UsageLedger(ActorContext<Command> context, JdbcPool pool, UsageStore store, UsageSettings settings,
      Cancellable flushAtShutdown) {
    super(context);
    this.flushAtShutdown = flushAtShutdown;
    this.pool = pool;
    this.store = store;
    this.settings = settings;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Record.class, this::onRecord)
        .onMessage(SpentBy.class, query -> {
          queries.add(query);
          write();
          return this;
        })
        .onMessage(Flush.class, flush -> {
          flushWaiters.add(flush.replyTo());
          if (!writing && pending.isEmpty()) answerFlushes();
          else write();
          return this;
        })
        .onMessage(Tick.class, tick -> {
          if (!pending.isEmpty() || !queries.isEmpty()) write();
          return this;
        })
        .onMessage(Written.class, this::onWritten)
        .onMessage(WriteFailed.class, this::onWriteFailed)
        .onSignal(PostStop.class, stop -> writeRestNow())
        .build();
  }

  private Behavior<Command> onRecord(Record record) {
    if (pending.size() >= settings.maxBuffered()) {
      dropped++;
      if (dropped % WARN_EVERY_DROPPED == 1) {
        getContext().getLog().warn("usage ledger: {} records are waiting for the database (switchboard.usage.max-buffered);"
            + " {} new records dropped so far. Is the database reachable?", pending.size(), dropped);
      }
      return this;
    }
    pending.add(record.record());
    if (pending.size() >= settings.flushRecords()) write();
    return this;
  }

  /** Starts a write of the next batch and the waiting queries, unless one is running. */
  private void write() {
    if (writing) return;
    List<UsageRecord> batch = new ArrayList<>();
    while (!pending.isEmpty() && batch.size() < settings.flushRecords()) batch.add(pending.poll());
    List<SpentBy> asked = List.copyOf(queries);
    queries.clear();
    Set<String> keys = new LinkedHashSet<>();
    asked.forEach(q -> keys.add(q.keyId()));
    writing = true;
    getContext().pipeToSelf(pool.run(c -> {
      store.insert(c, batch);
      Map<String, BigDecimal> sums = new HashMap<>();
      for (String key : keys) sums.put(key, store.spentBy(c, key));
      return sums;
    }), (sums, error) -> error == null ? new Written(asked, sums, batch.size())
        : new WriteFailed(batch, asked, error.getMessage() == null ? error.toString() : error.getMessage()));
  }

  private Behavior<Command> onWritten(Written written) {
    writing = false;
    if (failing) {
      failing = false;
      getContext().getLog().info("usage ledger: writing to the database again");
    }
    for (SpentBy query : written.queries()) {
      BigDecimal buffered = pending.stream().filter(r -> query.keyId().equals(r.keyId()))
          .map(UsageRecord::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
      query.replyTo().tell(StatusReply.success(written.sums().get(query.keyId()).add(buffered)));
    }
    if (pending.size() >= settings.flushRecords() || !queries.isEmpty()
        || (!flushWaiters.isEmpty() && !pending.isEmpty())) {
      write();
    } else if (pending.isEmpty()) {
      answerFlushes();
    }
    return this;
  }

  private Behavior<Command> onWriteFailed(WriteFailed failed) {
    writing = false;
    List<UsageRecord> batch = failed.batch();
    for (int i = batch.size() - 1; i >= 0; i--) pending.addFirst(batch.get(i));
    if (!failing) {
      failing = true;
      getContext().getLog().warn("usage ledger: could not write {} records ({}); keeping them and retrying every {} ms",
          pending.size(), failed.reason(), settings.flushInterval().toMillis());
    }
    failed.queries().forEach(q -> q.replyTo().tell(StatusReply.error("the usage ledger could not read the database: "
        + failed.reason())));
    if (!flushWaiters.isEmpty()) {
      getContext().getLog().warn("usage ledger: {} records could not be written before stopping", pending.size());
      answerFlushes();
    }
    return this;
  }

  private void answerFlushes() {
    flushWaiters.forEach(waiter -> waiter.tell(Done.getInstance()));
    flushWaiters.clear();
  }

  private Behavior<Command> writeRestNow() {
    flushAtShutdown.cancel();
    if (pending.isEmpty() || pool.isClosed()) return this;
    List<UsageRecord> rest = new ArrayList<>(pending);
    try {
      pool.runNow(c -> {
        store.insert(c, rest);
        return null;
      });
      pending.clear();
    } catch (RuntimeException e) {
      getContext().getLog().warn("usage ledger: {} records could not be written at stop: {}", rest.size(), e.getMessage());
    }
    return this;
  }
}
