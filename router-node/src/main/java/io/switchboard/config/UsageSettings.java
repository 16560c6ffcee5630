package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How the usage ledger writes its records ({@code switchboard.usage}): in batches, off the request
 * path, with a bounded buffer for when the database is slow or down.
 *
 * @param flushInterval records are written at least this often while there are any
 * @param flushRecords a batch of this many is written at once, without waiting for the interval
 * @param maxBuffered records held in memory at most; beyond it new records are dropped and counted
 */
public record UsageSettings(Duration flushInterval, int flushRecords, int maxBuffered) {

  private static final String PATH = "switchboard.usage";

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
    return new UsageSettings(interval, records, max);
  }
}
