package io.switchboard.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;

/**
 * The stored responses of the Responses API ({@code switchboard.responses}): how long they are kept,
 * how long one stays in memory after it was last used, and how often expired ones are swept away.
 *
 * @param retention a response is removed this long after it was created; asked for later, it is unknown
 * @param passivateAfter a response not read or written for this long leaves memory (it stays stored)
 * @param askTimeout how long a request waits for the response's entity: to write it, read it or delete it
 * @param sweepInterval how long after one sweep for expired responses ended the next one starts
 * @param sweepRate at most this many stored responses are checked per second during a sweep
 */
public record ResponseStoreSettings(Duration retention, Duration passivateAfter, Duration askTimeout,
    Duration sweepInterval, int sweepRate) {

  public static final String PATH = "switchboard.responses";

  /** Reads {@value #PATH} from the node's whole configuration; a bad value names its key. */
  public static ResponseStoreSettings from(Config root) {
    try {
      Config responses = root.getConfig(PATH);
      return new ResponseStoreSettings(positive(responses, "retention"), positive(responses, "passivate-after"),
          positive(responses, "ask-timeout"), positive(responses, "sweep-interval"), sweepRate(responses));
    } catch (ConfigException e) {
      throw new SettingsException("invalid configuration: " + e.getMessage(), e);
    }
  }

  private static int sweepRate(Config responses) {
    int value = responses.getInt("sweep-rate");
    if (value <= 0) throw new SettingsException(PATH + ".sweep-rate = " + value + " must be positive");
    return value;
  }

  private static Duration positive(Config responses, String key) {
    Duration value = responses.getDuration(key);
    if (value.isNegative() || value.isZero()) {
      throw new SettingsException(PATH + "." + key + " = " + value + " must be positive");
    }
    return value;
  }
}
