package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Locale;

/**
 * How the usage ledger writes its records ({@code switchboard.usage}): in batches, with a bounded
 * buffer for when the database is slow or down, and either before the answer's last byte ({@link
 * Durability#COMMITTED}) or off the request path ({@link Durability#BATCHED}).
 *
 * @param flushInterval records are written at least this often while there are any
 * @param flushRecords a batch of this many is written at once, without waiting for the interval
 * @param maxBuffered records held in memory at most; beyond it new records are dropped and counted
 * @param durability whether an answer waits for its usage record to be on disk
 * @param commitTimeout how long an answer waits for that at most, in {@link Durability#COMMITTED} mode
 */
public record UsageSettings(Duration flushInterval, int flushRecords, int maxBuffered, Durability durability,
    Duration commitTimeout) {

  private static final String PATH = "switchboard.usage";

  /** The default of {@code commit-timeout}. */
  public static final Duration DEFAULT_COMMIT_TIMEOUT = Duration.ofSeconds(5);

  /** When an answered request's usage record is safe. */
  public enum Durability {
    /**
     * The answer's last byte waits until its record is committed (and, on H2, written to the file): a
     * {@code kill -9} loses no answered request. Records still share one transaction per batch.
     */
    COMMITTED,
    /** Records are written every {@code flush-interval}, off the request path: a crash loses the last moments. */
    BATCHED
  }

  /** Batched settings, as before durability was a choice: for tests that drive the ledger alone. */
  public UsageSettings(Duration flushInterval, int flushRecords, int maxBuffered) {
    this(flushInterval, flushRecords, maxBuffered, Durability.BATCHED, DEFAULT_COMMIT_TIMEOUT);
  }

  public boolean committed() {
    return durability == Durability.COMMITTED;
  }

  static UsageSettings from(Config usage) {
    Duration interval = usage.getDuration("flush-interval");
    if (interval.isZero() || interval.isNegative()) {
      throw new SettingsException(PATH + ".flush-interval = " + interval + " must be positive");
    }
    int records = usage.getInt("flush-records");
    if (records < 1) throw new SettingsException(PATH + ".flush-records = " + records + " must be at least 1");
    int max = usage.getInt("max-buffered");
    if (max < records) {
      throw new SettingsException(PATH + ".max-buffered = " + max + " must be at least flush-records (" + records + ")");
    }
    String mode = usage.getString("durability");
    Durability durability = switch (mode.toLowerCase(Locale.ROOT)) {
      case "committed" -> Durability.COMMITTED;
      case "batched" -> Durability.BATCHED;
      default -> throw new SettingsException(PATH + ".durability = " + mode + " must be committed or batched");
    };
    Duration timeout = usage.getDuration("commit-timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new SettingsException(PATH + ".commit-timeout = " + timeout + " must be positive");
    }
    return new UsageSettings(interval, records, max, durability, timeout);
  }
}
