package io.switchboard.usage;

import io.switchboard.JsonSerializable;
import io.switchboard.config.UsageSettings;
import io.switchboard.persistence.JdbcPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.pattern.StatusReply;

/**
 * Writes usage records to the database in batches, one write at a time. A {@link Record} that names
 * {@code committedTo} (durability {@code committed} or {@code spooled}) is acknowledged once it is safe
 * from a {@code kill -9}; the request waits for that before its last byte. Records without it ({@code
 * batched}) wait for the next {@code flush-interval}, or until {@code flush-records} are waiting: a crash
 * loses those.
 *
 * <p>With a spool ({@link UsageSpool}: {@code spooled}, or {@code committed} on H2) every record is
 * first appended to the node's spool file, the records that arrive while an append runs together in the
 * next one, and a waiter is acknowledged once its append is done: a few microseconds where a commit with
 * H2's {@code CHECKPOINT} costs hundreds. The database is then written in batches, as {@code batched}
 * does, off the request path; each batch's transaction also records how far the spool is applied, so
 * at start the ledger replays exactly the spooled records the database lacks, before it answers any
 * {@link SpentBy}. A spool append that fails (disk full) tells the waiter so, and the record is kept for
 * the database. Without a spool ({@code committed} on PostgreSQL, whose commit a lost node's disk cannot
 * undo) a waited-for record is written at once, with every record that arrived while the write before it
 * ran (group commit), and acknowledged once its transaction has committed; while the database refuses
 * writes, a waiter is answered with an error at once instead (its record is kept and retried), so an
 * outage does not hold every answer for its {@code commit-timeout}.
 *
 * <p>It also answers what a key has spent ({@link SpentBy}), exactly: the sums are read in the same
 * database call that writes the batch before it, and the records still held here are added, so no
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
   * error when the database or spool refused it (it is kept and written later).
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

  private record Written(List<Entry> batch, List<SpentBy> queries, Map<SpentBy, UsageStore.Spending> sums,
      long appliedBefore) implements Command {}

  private record WriteFailed(List<Entry> batch, List<SpentBy> queries, String reason) implements Command {}

  /** The spool append of the records in {@code spooling} ended; {@code error} is null when it succeeded. */
  private record Spooled(String error) implements Command {}

  private record SpoolOpened(UsageSpool.Opened opened, Throwable error) implements Command {}

  /** The sums of a write, and how far the spool was applied before it (0 without a spool). */
  private record WriteResult(Map<SpentBy, UsageStore.Spending> sums, long appliedBefore) {}

  /**
   * A record waiting to be written, who waits for it (null: nobody), and its spool sequence number (0:
   * not spooled).
   */
  private record Entry(UsageRecord record, ActorRef<StatusReply<Done>> committedTo, long seq) {}

  private enum Tick implements Command { INSTANCE }

  /** Every this many dropped records, the warning is repeated. */
  static final long WARN_EVERY_DROPPED = 1_000;

  static final Duration SHUTDOWN_FLUSH_WAIT = Duration.ofSeconds(10);

  private final JdbcPool pool;
  private final Cancellable flushAtShutdown;
  private final UsageStore store;
  private final UsageSettings settings;
  /** Null without a spool: records then go straight to {@link #pending}. */
  private final UsageSpool spool;
  private final Executor blocking;
  /** Without a spool, a write with a waiter commits and reaches the file before it is acknowledged. */
  private final boolean commitsForWaiters;
  /** Waiting for the database, in spool order (replayed records first). */
  private final ArrayDeque<Entry> pending = new ArrayDeque<>();
  /** The records of the spool append running now. */
  private final List<Entry> spooling = new ArrayList<>();
  /** Records for the next spool append, once the running one ends. */
  private final List<Entry> toSpool = new ArrayList<>();
  private final List<SpentBy> queries = new ArrayList<>();
  private final List<ActorRef<Done>> flushWaiters = new ArrayList<>();
  private long nextSeq;
  private boolean writing;
  private boolean failing;
  private boolean spoolFailing;
  private long dropped;
  /** Records that someone waits for are queued: the next write starts as soon as the running one ends. */
  private int waited;

  /** A ledger without a spool. */
  public static Behavior<Command> create(JdbcPool pool, UsageStore store, UsageSettings settings) {
    return create(pool, store, settings, null);
  }

  /**
   * A ledger that writes through the spool at {@code spool} (null: none). The spool is opened and what
   * it holds replayed before the ledger answers anything; commands that come meanwhile wait.
   */
  public static Behavior<Command> create(JdbcPool pool, UsageStore store, UsageSettings settings,
      UsageSpool.Location spool) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.flushInterval());
      ActorRef<Command> self = context.getSelf();
      // After the HTTP server has drained (service-requests-done), before actors stop: the last records.
      Cancellable flushAtShutdown = CoordinatedShutdown.get(context.getSystem()).addCancellableTask(
          CoordinatedShutdown.PhaseServiceStop(), "usage-ledger-flush",
          () -> AskPattern.<Command, Done>ask(self, Flush::new, SHUTDOWN_FLUSH_WAIT, context.getSystem().scheduler())
              .exceptionally(error -> Done.getInstance()));
      Executor blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
      if (spool == null) return new UsageLedger(context, pool, store, settings, flushAtShutdown, blocking, null, List.of());
      context.pipeToSelf(CompletableFuture.supplyAsync(() -> {
        try {
          return spool.open();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, blocking), SpoolOpened::new);
      return opening(pool, store, settings, flushAtShutdown, blocking, spool);
    }));
  }

  /** Until the spool is open: commands wait (ticks are dropped), then the ledger starts with what it holds. */
  private static Behavior<Command> opening(JdbcPool pool, UsageStore store, UsageSettings settings,
      Cancellable flushAtShutdown, Executor blocking, UsageSpool.Location location) {
    return Behaviors.withStash(settings.maxBuffered(), stash -> Behaviors.setup(context ->
        Behaviors.receive(Command.class)
            .onMessage(SpoolOpened.class, opened -> {
              if (opened.error() == null) {
                UsageSpool.Opened spool = opened.opened();
                if (!spool.held().isEmpty()) {
                  context.getLog().info("usage ledger: the spool in {} holds {} records from before this start;"
                      + " those the database lacks are written first", location.dir(), spool.held().size());
                }
                return stash.unstashAll(new UsageLedger(context, pool, store, settings, flushAtShutdown, blocking,
                    spool.spool(), spool.held()));
              }
              Throwable cause = opened.error() instanceof CompletionException && opened.error().getCause() != null
                  ? opened.error().getCause() : opened.error();
              context.getLog().error("usage ledger: could not open the spool in {} ({}); records it holds are not"
                  + " replayed, and answers wait for their records' commit in the database instead",
                  location.dir(), cause.toString());
              return stash.unstashAll(new UsageLedger(context, pool, store, settings, flushAtShutdown, blocking, null,
                  List.of()));
            })
            .onMessage(Tick.class, tick -> Behaviors.same())
            .onSignal(PostStop.class, stop -> {
              flushAtShutdown.cancel();
              return Behaviors.same();
            })
            .onAnyMessage(command -> {
              if (!stash.isFull()) stash.stash(command);
              return Behaviors.same();
            })
            .build()));
  }

  private UsageLedger(ActorContext<Command> context, JdbcPool pool, UsageStore store, UsageSettings settings,
      Cancellable flushAtShutdown, Executor blocking, UsageSpool spool, List<UsageSpool.Line> held) {
    super(context);
    this.flushAtShutdown = flushAtShutdown;
    this.pool = pool;
    this.store = store;
    this.settings = settings;
    this.blocking = blocking;
    this.spool = spool;
    this.commitsForWaiters = spool == null && settings.answersWait();
    if (spool != null) {
      nextSeq = spool.firstSeq();
      for (UsageSpool.Line line : held) pending.add(new Entry(line.record(), null, line.seq()));
      // Replay at once: the write reads how far the spool is applied and inserts only what lies past it.
      if (!pending.isEmpty()) write();
    }
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
          if (!writing && nothingHeld()) answerFlushes();
          else if (spooling.isEmpty()) write();
          return this;
        })
        .onMessage(Tick.class, tick -> {
          if (!pending.isEmpty() || !queries.isEmpty()) write();
          return this;
        })
        .onMessage(Spooled.class, this::onSpooled)
        .onMessage(Written.class, this::onWritten)
        .onMessage(WriteFailed.class, this::onWriteFailed)
        .onSignal(PostStop.class, stop -> writeRestNow())
        .build();
  }

  private boolean nothingHeld() {
    return pending.isEmpty() && spooling.isEmpty() && toSpool.isEmpty();
  }

  private Behavior<Command> onRecord(Record record) {
    int held = pending.size() + spooling.size() + toSpool.size();
    if (held >= settings.maxBuffered()) {
      dropped++;
      if (dropped % WARN_EVERY_DROPPED == 1) {
        getContext().getLog().warn("usage ledger: {} records are waiting for the database (switchboard.usage.max-buffered);"
            + " {} new records dropped so far. Is the database reachable?", held, dropped);
      }
      return this;
    }
    if (spool != null) {
      toSpool.add(new Entry(record.record(), record.committedTo(), nextSeq++));
      if (spooling.isEmpty()) appendToSpool();
      return this;
    }
    if (record.committedTo() != null && failing) {
      record.committedTo().tell(StatusReply.error("the usage ledger's database refuses writes; the record is kept"));
      pending.add(new Entry(record.record(), null, 0));
      return this;
    }
    pending.add(new Entry(record.record(), record.committedTo(), 0));
    if (record.committedTo() != null) waited++;
    // While the database refuses writes, retry at the interval, not at every record.
    if ((waited > 0 && !failing) || pending.size() >= settings.flushRecords()) write();
    return this;
  }

  /** Appends what waits in {@link #toSpool} in one write, off the actor's thread. */
  private void appendToSpool() {
    spooling.addAll(toSpool);
    toSpool.clear();
    List<UsageSpool.Line> lines = spooling.stream().map(e -> new UsageSpool.Line(e.seq(), e.record())).toList();
    UsageSpool target = spool;
    getContext().pipeToSelf(CompletableFuture.runAsync(() -> {
      try {
        target.append(lines);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, blocking), (done, error) -> new Spooled(error == null ? null : reason(error)));
  }

  private Behavior<Command> onSpooled(Spooled spooled) {
    if (spooled.error() == null) {
      if (spoolFailing) {
        spoolFailing = false;
        getContext().getLog().info("usage ledger: writing to the spool again");
      }
    } else if (!spoolFailing) {
      spoolFailing = true;
      getContext().getLog().warn("usage ledger: could not append {} records to the spool ({}); their answers go on,"
          + " and the records are kept for the database's next write", spooling.size(), spooled.error());
    }
    for (Entry entry : spooling) {
      if (entry.committedTo() != null) {
        entry.committedTo().tell(spooled.error() == null ? StatusReply.ack()
            : StatusReply.error("the usage ledger could not write to its spool: " + spooled.error()
                + "; the record is kept"));
      }
      pending.add(new Entry(entry.record(), null, entry.seq()));
    }
    spooling.clear();
    if (!toSpool.isEmpty()) appendToSpool();
    if (pending.size() >= settings.flushRecords() || !flushWaiters.isEmpty()) write();
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
    List<SpentBy> asked = List.copyOf(queries);
    queries.clear();
    boolean stopping = !flushWaiters.isEmpty();
    writing = true;
    getContext().pipeToSelf(pool.run(c -> spool == null ? writeDirect(c, batch, asked)
            : writeSpooled(c, batch, asked, stopping)),
        (result, error) -> error == null ? new Written(batch, asked, result.sums(), result.appliedBefore())
            : new WriteFailed(batch, asked, reason(error)));
  }

  private WriteResult writeDirect(Connection c, List<Entry> batch, List<SpentBy> asked)
      throws SQLException {
    List<UsageRecord> records = batch.stream().map(Entry::record).toList();
    store.insert(c, records);
    if (commitsForWaiters && !records.isEmpty()) {
      c.commit();
      store.writeThrough(c);
    }
    return new WriteResult(sums(c, asked), 0);
  }

  /**
   * Inserts the batch's records the database lacks and how far the spool is now applied, in one
   * transaction; once that is durable, deletes the spool's segments it has made useless. A write for
   * {@link Flush} ({@code flushing}: the node stops) also reaches H2's file, so the database holds every
   * record after a graceful stop, whatever becomes of H2's own write at exit.
   */
  private WriteResult writeSpooled(Connection c, List<Entry> batch, List<SpentBy> asked, boolean flushing)
      throws SQLException {
    long appliedBefore = insertPastApplied(c, batch);
    Map<SpentBy, UsageStore.Spending> sums = sums(c, asked);
    long applied = Math.max(appliedBefore, batch.isEmpty() ? 0 : batch.get(batch.size() - 1).seq());
    boolean deletes = spool.hasApplied(applied);
    if (deletes || (flushing && !batch.isEmpty())) {
      c.commit();
      store.writeThrough(c); // on H2, the segments' only other copy must be in the file first
    }
    if (deletes) spool.deleteApplied(applied);
    return new WriteResult(sums, appliedBefore);
  }

  /** Inserts the entries past the spool's applied sequence number and moves it on; returns it as it was. */
  private long insertPastApplied(Connection c, List<Entry> batch) throws SQLException {
    long appliedBefore = store.appliedSeq(c, spool.id());
    store.insert(c, batch.stream().filter(e -> e.seq() > appliedBefore).map(Entry::record).toList());
    long last = batch.stream().mapToLong(Entry::seq).max().orElse(0);
    if (last > appliedBefore) store.markApplied(c, spool.id(), last);
    return appliedBefore;
  }

  private Map<SpentBy, UsageStore.Spending> sums(Connection c, List<SpentBy> asked)
      throws SQLException {
    Map<SpentBy, UsageStore.Spending> sums = new HashMap<>();
    for (SpentBy query : asked) sums.put(query, store.spending(c, query.keyId(), query.sinceMillis()));
    return sums;
  }

  private Behavior<Command> onWritten(Written written) {
    writing = false;
    if (failing) {
      failing = false;
      getContext().getLog().info("usage ledger: writing to the database again");
    }
    if (spool != null) {
      // Replayed (or retried) records the database already had: the sums count them.
      while (!pending.isEmpty() && pending.peek().seq() <= written.appliedBefore()) pending.poll();
    }
    for (Entry entry : written.batch()) {
      if (entry.committedTo() != null) entry.committedTo().tell(StatusReply.ack());
    }
    for (SpentBy query : written.queries()) {
      UsageStore.Spending spending = written.sums().get(query);
      for (Entry entry : pending) spending = spending.plus(entry.record(), query.keyId(), query.sinceMillis());
      for (Entry entry : spooling) spending = spending.plus(entry.record(), query.keyId(), query.sinceMillis());
      for (Entry entry : toSpool) spending = spending.plus(entry.record(), query.keyId(), query.sinceMillis());
      query.replyTo().tell(StatusReply.success(spending));
    }
    if (waited > 0 || pending.size() >= settings.flushRecords() || !queries.isEmpty()
        || (!flushWaiters.isEmpty() && !pending.isEmpty())) {
      write();
    } else if (nothingHeld()) {
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
      pending.addFirst(new Entry(entry.record(), null, entry.seq()));
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
    List<Entry> rest = new ArrayList<>(pending);
    rest.addAll(spooling);
    rest.addAll(toSpool);
    try {
      if (rest.isEmpty() || pool.isClosed()) return this;
      pool.runNow(c -> {
        if (spool == null) store.insert(c, rest.stream().map(Entry::record).toList());
        else {
          insertPastApplied(c, rest);
          c.commit();
          store.writeThrough(c);
        }
        return null;
      });
      pending.clear();
    } catch (RuntimeException e) {
      getContext().getLog().warn("usage ledger: {} records could not be written at stop: {}", rest.size(), e.getMessage());
    } finally {
      if (spool != null) spool.close();
    }
    return this;
  }

  private static String reason(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof UncheckedIOException io && io.getCause() != null) cause = io.getCause();
    return cause.getMessage() == null ? cause.toString() : cause.getMessage();
  }
}
