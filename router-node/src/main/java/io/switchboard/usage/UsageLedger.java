package io.switchboard.usage;

import io.switchboard.JsonSerializable;
import io.switchboard.config.UsageSettings;
import io.switchboard.persistence.JdbcPool;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * Writes usage records to the database in batches, one write at a time. A {@link Record} that names
 * {@code committedTo} ({@code switchboard.usage.durability = committed}) is written at once, with every
 * record that arrived while the write before it ran (group commit), and acknowledged once its
 * transaction has committed and, on H2, reached the file; the request waits for that before its last
 * byte, so a {@code kill -9} loses no answered request. While the database refuses writes, a waiter is
 * answered with an error at once instead (its record is kept and retried), so an outage does not hold
 * every answer for its {@code commit-timeout}. Records without it ({@code batched}) wait for
 * the next {@code flush-interval}, or until {@code flush-records} are waiting: a crash loses those.
 *
 * <p>It also answers what a key has spent ({@link SpentBy}), exactly: the sums are read in the same
 * database call that writes the batch before it, and the records still buffered here are added, so no
 * record is missed or counted twice. Key actors start from them: the whole spend for the budget, the
 * last minute's requests and tokens for the rate limits.
 *
 * <p>Bounded: at most {@code max-buffered} records wait in memory. When the database is down for long
 * enough to fill that, new records are dropped and counted in a warning (their costs still count in
 * the key actors' memory, so budgets hold until a restart); whoever waits for a dropped record is never
 * answered and goes on at its {@code commit-timeout}. A batch that fails is put back, its waiters told
 * so, and tried again at the next interval (not at every new record). {@link Flush} writes everything
 * before the node stops; a stop without it writes what is left synchronously, best effort.
 */
public final class UsageLedger extends AbstractBehavior<UsageLedger.Command> {

  /** Messages the ledger understands. */
  public sealed interface Command extends JsonSerializable {}

  /**
   * Keep this record; {@code committedTo}, when not null, is acknowledged once it is durable, or told an
   * error when the database refused it (it is kept and written later).
   */
  public record Record(UsageRecord record, ActorRef<StatusReply<Done>> committedTo) implements Command {
    /** Keep this record, written with the next batch. */
    public Record(UsageRecord record) {
      this(record, null);
    }
  }

  /**
   * What {@code keyId} has spent over its life, and its calls and tokens since {@code sinceMillis},
   * written and buffered records together.
   */
  public record SpentBy(String keyId, long sinceMillis, ActorRef<StatusReply<UsageStore.Spending>> replyTo)
      implements Command {}

  /** Write everything buffered now; answered when done (or when the database refused). */
  public record Flush(ActorRef<Done> replyTo) implements Command {}

  private record Written(List<Entry> batch, List<SpentBy> queries, Map<SpentBy, UsageStore.Spending> sums)
      implements Command {}

  private record WriteFailed(List<Entry> batch, List<SpentBy> queries, String reason) implements Command {}

  /** A record waiting to be written, and who waits for its commit (null: nobody). */
  private record Entry(UsageRecord record, ActorRef<StatusReply<Done>> committedTo) {}

  private enum Tick implements Command { INSTANCE }

  /** Every this many dropped records, the warning is repeated. */
  static final long WARN_EVERY_DROPPED = 1_000;

  static final Duration SHUTDOWN_FLUSH_WAIT = Duration.ofSeconds(10);

  private final JdbcPool pool;
  private final Cancellable flushAtShutdown;
  private final UsageStore store;
  private final UsageSettings settings;
  private final ArrayDeque<Entry> pending = new ArrayDeque<>();
  private final List<SpentBy> queries = new ArrayList<>();
  private final List<ActorRef<Done>> flushWaiters = new ArrayList<>();
  private boolean writing;
  private boolean failing;
  private long dropped;
  /** Records that someone waits for are queued: the next write starts as soon as the running one ends. */
  private int waited;

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
    if (record.committedTo() != null && failing) {
      record.committedTo().tell(StatusReply.error("the usage ledger's database refuses writes; the record is kept"));
      pending.add(new Entry(record.record(), null));
      return this;
    }
    pending.add(new Entry(record.record(), record.committedTo()));
    if (record.committedTo() != null) waited++;
    // While the database refuses writes, retry at the interval, not at every record.
    if ((waited > 0 && !failing) || pending.size() >= settings.flushRecords()) write();
    return this;
  }

  /** Starts a write of the next batch and the waiting queries, unless one is running. */
  private void write() {
    if (writing) return;
    List<Entry> batch = new ArrayList<>();
    while (!pending.isEmpty() && batch.size() < settings.flushRecords()) {
      Entry entry = pending.poll();
      if (entry.committedTo() != null) waited--;
      batch.add(entry);
    }
    List<UsageRecord> records = batch.stream().map(Entry::record).toList();
    List<SpentBy> asked = List.copyOf(queries);
    queries.clear();
    boolean durable = settings.committed();
    writing = true;
    getContext().pipeToSelf(pool.run(c -> {
      store.insert(c, records);
      if (durable && !records.isEmpty()) {
        c.commit();
        store.writeThrough(c);
      }
      Map<SpentBy, UsageStore.Spending> sums = new HashMap<>();
      for (SpentBy query : asked) sums.put(query, store.spending(c, query.keyId(), query.sinceMillis()));
      return sums;
    }), (sums, error) -> error == null ? new Written(batch, asked, sums)
        : new WriteFailed(batch, asked, error.getMessage() == null ? error.toString() : error.getMessage()));
  }

  private Behavior<Command> onWritten(Written written) {
    writing = false;
    if (failing) {
      failing = false;
      getContext().getLog().info("usage ledger: writing to the database again");
    }
    for (Entry entry : written.batch()) {
      if (entry.committedTo() != null) entry.committedTo().tell(StatusReply.ack());
    }
    for (SpentBy query : written.queries()) {
      UsageStore.Spending spending = written.sums().get(query);
      for (Entry entry : pending) spending = spending.plus(entry.record(), query.keyId(), query.sinceMillis());
      query.replyTo().tell(StatusReply.success(spending));
    }
    if (waited > 0 || pending.size() >= settings.flushRecords() || !queries.isEmpty()
        || (!flushWaiters.isEmpty() && !pending.isEmpty())) {
      write();
    } else if (pending.isEmpty()) {
      answerFlushes();
    }
    return this;
  }

  private Behavior<Command> onWriteFailed(WriteFailed failed) {
    writing = false;
    List<Entry> batch = failed.batch();
    for (int i = batch.size() - 1; i >= 0; i--) {
      Entry entry = batch.get(i);
      if (entry.committedTo() != null) {
        entry.committedTo().tell(StatusReply.error("the usage ledger could not write: " + failed.reason()
            + "; the record is kept"));
      }
      pending.addFirst(new Entry(entry.record(), null));
    }
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
    List<UsageRecord> rest = pending.stream().map(Entry::record).toList();
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
