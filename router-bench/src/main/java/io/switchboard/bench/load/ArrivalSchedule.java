package io.switchboard.bench.load;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop arrivals at a constant rate: request {@code i} is due at {@code start + i / rate}, whatever
 * happened to the requests before it. Latency is measured from this intended time, not from when the
 * request actually left, so a stall in the server (or in the generator) shows up in the percentiles
 * instead of silently delaying the next send (coordinated omission).
 */
public record ArrivalSchedule(long startNanos, double ratePerSecond, Duration length) {

  public ArrivalSchedule {
    if (!(ratePerSecond > 0)) throw new IllegalArgumentException("rate must be positive, was " + ratePerSecond);
    if (length.isNegative()) throw new IllegalArgumentException("length must not be negative");
  }

  /**
   * A schedule of exactly {@code count} arrivals at {@code ratePerSecond}, the first at {@code startNanos}:
   * it ends half an interval after the last one, so no rounding can add or drop an arrival.
   */
  public static ArrivalSchedule ofCount(long startNanos, long count, double ratePerSecond) {
    return new ArrivalSchedule(startNanos, ratePerSecond, Duration.ofNanos(Math.round((count - 0.5) * 1e9 / ratePerSecond)));
  }

  /**
   * Parks the calling thread until request {@code index} is due (at once if it is already) and returns
   * {@link System#nanoTime()} as it wakes, so the caller can record how late it is.
   */
  public long awaitDue(long index) {
    long intended = intendedNanos(index);
    long now = System.nanoTime();
    if (now >= intended) return now;
    LockSupport.parkNanos(intended - now);
    return System.nanoTime();
  }

  /** When request {@code index} (from 0) is due, on the {@link System#nanoTime()} scale. */
  public long intendedNanos(long index) {
    return startNanos + Math.round(index * 1e9 / ratePerSecond);
  }

  /** How many requests the schedule holds: those due strictly before its end. */
  public long count() {
    return (long) Math.ceil(length.toNanos() * ratePerSecond / 1e9 - 1e-9);
  }

  /** The index of the last request due at or before {@code nowNanos}, or -1 if none is due yet. */
  public long lastDueAt(long nowNanos) {
    if (nowNanos < startNanos) return -1;
    long due = (long) Math.floor((nowNanos - startNanos) * ratePerSecond / 1e9);
    while (intendedNanos(due) > nowNanos) due--;
    while (intendedNanos(due + 1) <= nowNanos) due++;
    return Math.min(due, count() - 1);
  }
}
