package io.switchboard.provider.admission;

import io.switchboard.provider.ProviderState;
import java.util.function.LongFunction;

/**
 * When a provider's state is written: on the periodic tick when something changed since the last
 * write, and at once when the buckets' allowance runs low or a waiting request needs a fresh one. The
 * write itself is the shell's ({@link Decisions#checkpoint}); it reports back with {@link #written} or
 * {@link #failed}.
 *
 * <p>One write is under way at a time. A write asked for meanwhile is not sent alongside it (two writes
 * would race for the same next revision, and one would fail) but follows it, taking the state as it is
 * then. The price is that changes made during a write wait for the next one; meanwhile the buckets
 * spend no more than the allowance already saved (see {@link io.switchboard.ratelimit.ProviderLimits}).
 * A failed write marks the state changed again, so the next tick retries it. Not thread-safe.
 */
final class Checkpoints {
  private final String provider;
  private final LongFunction<ProviderState> stateAt;
  private final Decisions.Builder<?> out;
  /** Something to be saved changed since the last write was taken. */
  private boolean dirty;
  private boolean writing;
  private boolean writeAgain;
  private long lastWritten;

  /** Checkpoints of {@code provider}, saving what {@code stateAt} takes at a time, decided into {@code out}. */
  Checkpoints(String provider, LongFunction<ProviderState> stateAt, Decisions.Builder<?> out) {
    this.provider = provider;
    this.stateAt = stateAt;
    this.out = out;
  }

  /** Something the checkpoint saves changed: the next tick writes it. */
  void changed() {
    dirty = true;
  }

  /** The periodic tick: writes when anything changed since the last write. */
  void writeIfChanged(long now) {
    if (dirty) write(now);
  }

  /** Writes the state now, or right after the write under way. */
  void write(long now) {
    if (writing) {
      writeAgain = true;
      return;
    }
    out.checkpoint(stateAt.apply(now));
    writing = true;
    dirty = false;
  }

  /** The write under way is saved; a write asked for meanwhile starts now. */
  void written(long now) {
    writing = false;
    lastWritten = now;
    if (writeAgain) {
      writeAgain = false;
      write(now);
    }
  }

  /** The write under way could not be saved ({@code cause}): the next tick tries again. */
  void failed(String cause) {
    writing = false;
    dirty = true;
    out.error("provider '" + provider + "': state checkpoint failed; admission waits once the"
        + " current allowance is spent, until a checkpoint succeeds: " + cause);
  }

  /** When the last write was saved; 0 before the first. */
  long lastWrittenAt() {
    return lastWritten;
  }
}
