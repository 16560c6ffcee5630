package io.switchboard.config;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What a client connection may hold of the gateway ({@code switchboard.http}): a connection slot is
 * kept only while it carries a request, and no one client address holds more than its share of them.
 *
 * @param headerTimeout a new connection that has not completed its first request's headers this long
 *     after it was accepted is closed
 * @param keepAliveTimeout a kept-alive connection that has not completed its next request's headers
 *     this long after its last response ended is closed
 * @param maxPerAddress connections one client address may hold at once; a further one is closed as
 *     soon as it is accepted. 0: no cap
 * @param exempt client addresses the cap does not apply to (a reverse proxy in front of the gateway,
 *     a local benchmark); the timeouts still do
 */
public record ConnectionLimits(
    Duration headerTimeout, Duration keepAliveTimeout, int maxPerAddress, Set<InetAddress> exempt) {
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_PER_ADDRESS = 1024;

  public ConnectionLimits {
    exempt = Set.copyOf(exempt);
  }

  /** Whether connections from {@code address} count against the per-address cap. */
  public boolean capped(InetAddress address) {
    return maxPerAddress > 0 && !exempt.contains(address);
  }

  static ConnectionLimits from(Config http) {
    Duration header = positive(http, "header-timeout");
    Duration keepAlive = positive(http, "keep-alive-timeout");
    int max = http.getInt("max-connections-per-address");
    if (max < 0) {
      throw new SettingsException("switchboard.http.max-connections-per-address = " + max
          + " is negative; use 0 for no cap, or the most connections one client address may hold");
    }
    Set<InetAddress> exempt = new LinkedHashSet<>();
    for (String literal : http.getStringList("max-connections-per-address-exempt")) {
      exempt.add(address(literal));
    }
    return new ConnectionLimits(header, keepAlive, max, exempt);
  }

  private static Duration positive(Config http, String key) {
    Duration value = http.getDuration(key);
    if (value.isZero() || value.isNegative()) {
      throw new SettingsException("switchboard.http." + key + " = " + http.getString(key)
          + " must be positive: a connection that never completes a request would hold its slot for good");
    }
    return value;
  }

  /** An IP address literal; a host name is refused, since it would be looked up once and go stale. */
  private static InetAddress address(String literal) {
    String path = "switchboard.http.max-connections-per-address-exempt";
    if (!literal.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
      throw new SettingsException(path + " holds \"" + literal + "\", which is not an IP address;"
          + " list addresses such as \"127.0.0.1\" or \"::1\"");
    }
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new SettingsException(path + " holds \"" + literal + "\", which is not an IP address", e);
    }
  }
}
