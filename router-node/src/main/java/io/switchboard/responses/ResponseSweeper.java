package io.switchboard.responses;

import io.switchboard.config.ResponseStoreSettings;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the expired responses that nobody asks for again. Every {@link ResponseStoreSettings#sweepInterval()}
 * (counted from the end of the last sweep, so sweeps never overlap) it walks the persistence ids of the
 * journal, and sends each stored response's entity a {@link ResponseEntity.Sweep}: the entity checks its
 * own retention and, if it has ended, removes itself the way an access would, content erased.
 *
 * <p>The trade-off: the journal is the index, so there is nothing extra to write or keep consistent
 * when a response is stored, but a sweep wakes every stored response once, including the tombstones of
 * removed ones (a snapshot read each). Hence the throttle, {@link ResponseStoreSettings#sweepRate()}
 * checks per second, and the entities woken only for a check leave memory at once. One sweeper runs for
 * the whole cluster (a Cluster Singleton); a sweep cut short when its node leaves starts again from the
 * beginning on the next node, after one interval.
 */
final class ResponseSweeper {
  private ResponseSweeper() {}

  /** Named after this class (an actor's own logger would be named after Pekko's supervisor wrapping it). */
  private static final Logger LOG = LoggerFactory.getLogger(ResponseSweeper.class);

  /** A progress line is logged every this many checks of a long sweep. */
  static final int PROGRESS_EVERY = 1000;

  /** How many checks are in flight at once; the throttle, not this, bounds the rate. */
  private static final int PARALLELISM = 4;

  /** The sweeper's own messages; they never leave the node. */
  sealed interface Command extends NoSerializationVerificationNeeded {}

  private enum Tick implements Command { INSTANCE }

  private record Finished(Tally tally, Throwable error) implements Command {}

  /** What a sweep has done so far. */
  record Tally(long checked, long removed, long failed) {
    static final Tally NONE = new Tally(0, 0, 0);

    Tally add(Outcome outcome) {
      return new Tally(checked + 1, removed + (outcome == Outcome.REMOVED ? 1 : 0),
          failed + (outcome == Outcome.FAILED ? 1 : 0));
    }
  }

  private enum Outcome { KEPT, REMOVED, FAILED }

  /**
   * @param persistenceIds every persistence id in the journal, read anew for each sweep
   * @param sweep asks the entity of a response id to remove itself if expired; true when it did
   */
  static Behavior<Command> create(ResponseStoreSettings settings, Supplier<Source<String, NotUsed>> persistenceIds,
      Function<String, CompletionStage<Boolean>> sweep) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      Materializer materializer = Materializer.createMaterializer(context); // a sweep stops with its sweeper
      timers.startSingleTimer(Tick.INSTANCE, settings.sweepInterval());
      return Behaviors.receive(Command.class)
          .onMessage(Tick.class, tick -> {
            LOG.debug("Sweeping expired stored responses");
            context.pipeToSelf(run(settings, persistenceIds, sweep, materializer), Finished::new);
            return Behaviors.same();
          })
          .onMessage(Finished.class, finished -> {
            report(settings, finished);
            timers.startSingleTimer(Tick.INSTANCE, settings.sweepInterval());
            return Behaviors.same();
          })
          .build();
    }));
  }

  /**
   * One sweep. The ids are read to the end before the first check: the journal's query holds a database
   * connection until it completes, and a throttled sweep may take long, so the ids of one sweep are held
   * in memory instead (a few dozen bytes per stored response).
   */
  private static CompletionStage<Tally> run(ResponseStoreSettings settings,
      Supplier<Source<String, NotUsed>> persistenceIds, Function<String, CompletionStage<Boolean>> sweep,
      Materializer materializer) {
    return Source.lazyCompletionStage(() -> persistenceIds.get()
            .filter(id -> ResponseEntity.ENTITY_TYPE.name().equals(PersistenceId.extractEntityType(id)))
            .map(PersistenceId::extractEntityId)
            .runWith(Sink.seq(), materializer))
        .mapConcat(ids -> ids)
        .throttle(settings.sweepRate(), Duration.ofSeconds(1))
        .mapAsyncUnordered(PARALLELISM, id -> sweep.apply(id)
            .handle((removed, error) -> error != null ? Outcome.FAILED : removed ? Outcome.REMOVED : Outcome.KEPT))
        .scan(Tally.NONE, Tally::add)
        .map(tally -> {
          if (tally.checked() > 0 && tally.checked() % PROGRESS_EVERY == 0) {
            LOG.info("Sweeping stored responses: {} checked, {} expired removed so far", tally.checked(),
                tally.removed());
          }
          return tally;
        })
        .runWith(Sink.last(), materializer);
  }

  private static void report(ResponseStoreSettings settings, Finished finished) {
    if (finished.error() != null) {
      LOG.warn("Sweep of stored responses failed, next one in {}: {}", settings.sweepInterval(),
          finished.error().toString());
      return;
    }
    Tally tally = finished.tally();
    if (tally.failed() > 0) {
      LOG.warn("Swept stored responses: {} checked, {} expired removed, {} not answered in time",
          tally.checked(), tally.removed(), tally.failed());
    } else {
      LOG.info("Swept stored responses: {} checked, {} expired removed", tally.checked(), tally.removed());
    }
  }
}
