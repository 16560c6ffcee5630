package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Locale;

/**
 * How the usage ledger writes its records ({@code switchboard.usage}): in batches, with a bounded
 * buffer for when the database is slow or down; an answer's last byte waits for its record to be safe
 * ({@link Durability#COMMITTED}, {@link Durability#SPOOLED}) or not ({@link Durability#BATCHED}).
 *
 * @param flushInterval records are written at least this often while there are any
 * @param flushRecords a batch of this many is written at once, without waiting for the interval
 * @param maxBuffered records held in memory at most; beyond it new records are dropped and counted
 * @param durability whether an answer waits for its usage record to be on disk, and where it is written first
 * @param commitTimeout how long an answer waits for that at most, in {@link Durability#COMMITTED} and {@link
 *     Durability#SPOOLED} modes
 */
public record UsageSettings(Duration flushInterval, int flushRecords, int maxBuffered, Durability durability,
    Duration commitTimeout) {

  private static final String PATH = "switchboard.usage";

  /** The default of {@code commit-timeout}. */
  public static final Duration DEFAULT_COMMIT_TIMEOUT = Duration.ofSeconds(5);

  /** When an answered request's usage record is safe. */
  public enum Durability {
    /**
     * A {@code kill -9} of the node loses no answered request: the answer's last byte waits until its
     * record is safe. On H2 that is the node's spool ({@link #SPOOLED}: the spool and the H2 file share
     * the node's disk, so the guarantee is the same); on PostgreSQL, the record's commit in the database
     * (the node's disk may not outlive the node). Records still share one transaction per batch.
     */
    COMMITTED,
    /**
     * The answer's last byte waits until its record is appended to the node's spool file under {@code
     * data-dir}; the database is written in batches, as {@link #BATCHED}, and at start the spool's records
     * the database lacks are written first. On any store: a node lost with its disk loses its last
     * records.
     */
    SPOOLED,
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

  /** Whether an answer's last byte waits for its usage record (to be committed or spooled). */
  public boolean answersWait() {
    return durability != Durability.BATCHED;
  }

  /**
   * Whether the ledger writes through the spool on {@code store}: always when {@link Durability#SPOOLED},
   * on an H2 file when {@link Durability#COMMITTED}; never for a database in memory, which nothing outlives.
   */
  public boolean spools(PersistenceSettings.Store store) {
    return switch (durability) {
      case SPOOLED -> store != PersistenceSettings.Store.H2_MEMORY;
      case COMMITTED -> store == PersistenceSettings.Store.H2;
      case BATCHED -> false;
    };
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
      case "spooled" -> Durability.SPOOLED;
      case "batched" -> Durability.BATCHED;
      default -> throw new SettingsException(PATH + ".durability = " + mode + " must be committed, spooled or batched");
    };
    Duration timeout = usage.getDuration("commit-timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new SettingsException(PATH + ".commit-timeout = " + timeout + " must be positive");
    }
    return new UsageSettings(interval, records, max, durability, timeout);
  }
}
