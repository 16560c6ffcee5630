package io.switchboard.provider.admission;

import io.switchboard.provider.ProviderActor.AdmissionResult;
import io.switchboard.provider.ProviderState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the shell around {@link Admission} must do after one command. The shell carries them out in the
 * order of the components: replies, timers, notices, then the checkpoint write.
 *
 * @param replies answers to requests that asked, to the target each named ({@code R})
 * @param waitTimers per newly queued request's ticket, the milliseconds until its deadline: then call
 *     {@link Admission#expire} with the ticket
 * @param cancelledWaits tickets whose requests left the queue: their deadline timers are not needed
 * @param wakeIn milliseconds until the head of the queue fits the buckets: then call
 *     {@link Admission#wake} (one wake-up at a time; a new one replaces the last)
 * @param breakerTickIn milliseconds until the open breaker moves to half-open: then call
 *     {@link Admission#breakerTick}, so the move happens (and is logged) on time
 * @param checkpoint state to save now; report the outcome with {@link Admission#checkpointWritten} or
 *     {@link Admission#checkpointFailed}
 * @param notices lines to log
 */
public record Decisions<R>(
    List<Reply<R>> replies,
    Map<Long, Long> waitTimers,
    List<Long> cancelledWaits,
    OptionalLong wakeIn,
    OptionalLong breakerTickIn,
    Optional<ProviderState> checkpoint,
    List<Notice> notices) {

  /** Send {@code result} to {@code to}. */
  public record Reply<R>(R to, AdmissionResult result) {}

  /** A line for the log, at {@code level}. */
  public record Notice(Level level, String message) {}

  /** How much a {@link Notice} matters. */
  public enum Level {
    INFO,
    WARN,
    ERROR
  }

  /**
   * Collects the decisions of one command; {@link #drain} hands them over and starts empty for the next.
   * {@link Admission} and the parts it delegates to all add to the one builder of the command at hand.
   */
  static final class Builder<R> {
    private final List<Reply<R>> replies = new ArrayList<>();
    private final Map<Long, Long> waitTimers = new LinkedHashMap<>();
    private final List<Long> cancelledWaits = new ArrayList<>();
    private OptionalLong wakeIn = OptionalLong.empty();
    private OptionalLong breakerTickIn = OptionalLong.empty();
    private ProviderState checkpoint;
    private final List<Notice> notices = new ArrayList<>();

    void reply(R to, AdmissionResult result) {
      replies.add(new Reply<>(to, result));
    }

    void startWait(long ticket, long inMillis) {
      waitTimers.put(ticket, inMillis);
    }

    /** A timer started by this same command is simply not started. */
    void cancelWait(long ticket) {
      if (waitTimers.remove(ticket) == null) cancelledWaits.add(ticket);
    }

    void wakeIn(long millis) {
      wakeIn = OptionalLong.of(millis);
    }

    void breakerTickIn(long millis) {
      breakerTickIn = OptionalLong.of(millis);
    }

    void checkpoint(ProviderState state) {
      checkpoint = state;
    }

    void info(String message) {
      notices.add(new Notice(Level.INFO, message));
    }

    void warn(String message) {
      notices.add(new Notice(Level.WARN, message));
    }

    void error(String message) {
      notices.add(new Notice(Level.ERROR, message));
    }

    /** The decisions collected since the last drain; the builder is empty again. */
    Decisions<R> drain() {
      Decisions<R> decisions = new Decisions<>(List.copyOf(replies),
          Collections.unmodifiableMap(new LinkedHashMap<>(waitTimers)), List.copyOf(cancelledWaits), wakeIn,
          breakerTickIn, Optional.ofNullable(checkpoint), List.copyOf(notices));
      replies.clear();
      waitTimers.clear();
      cancelledWaits.clear();
      wakeIn = OptionalLong.empty();
      breakerTickIn = OptionalLong.empty();
      checkpoint = null;
      notices.clear();
      return decisions;
    }
  }
}
