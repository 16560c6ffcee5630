package io.switchboard.config;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The start-up warm-up ({@code switchboard.warm-up}): before {@code /ready} answers 200, the node drives
 * {@code requests} requests, {@code concurrency} at a time, through a throwaway gateway built from its own
 * classes, so HotSpot has compiled the request path before the first client's request arrives.
 *
 * <p>A number of requests rather than a duration: a count gives the JIT the same amount of profile on a
 * fast machine and a slow one, and {@code max-duration} bounds the time whatever the machine.
 *
 * @param maxDuration the warm-up stops after this long whatever it has done, and the node turns ready
 */
public record WarmUpSettings(boolean enabled, Duration maxDuration, int requests, int concurrency) {

  static final String PATH = "switchboard.warm-up";

  /** No warm-up: the node turns ready as soon as its port is bound. */
  public static final WarmUpSettings OFF = new WarmUpSettings(false, Duration.ofSeconds(1), 1, 1);

  static WarmUpSettings from(Config w) {
    Duration maxDuration = w.getDuration("max-duration");
    if (maxDuration.isNegative() || maxDuration.isZero()) {
      throw new SettingsException(PATH + ".max-duration = " + w.getString("max-duration") + " must be positive");
    }
    int requests = w.getInt("requests");
    if (requests < 1) throw new SettingsException(PATH + ".requests = " + requests + " must be at least 1");
    int concurrency = w.getInt("concurrency");
    if (concurrency < 1 || concurrency > 1024) {
      throw new SettingsException(PATH + ".concurrency = " + concurrency + " must be between 1 and 1024");
    }
    return new WarmUpSettings(w.getBoolean("enabled"), maxDuration, requests, concurrency);
  }
}
