package io.switchboard.config;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Who may call the gateway ({@code switchboard.auth}): whether {@code /v1} routes need a virtual key,
 * and the admin key that guards {@code /admin/*}, read from the environment variable the config names.
 *
 * <p>{@code mode = auto} (the default) runs open only while the node listens on a loopback address, so
 * the README's first {@code curl} works on a laptop, and asks for keys as soon as the node is reachable
 * from elsewhere. An explicit {@code open} on a non-loopback address stops the node at start-up unless
 * {@code allow-open-on-network} says it is meant.
 *
 * @param adminKey empty when the variable is unset: every admin route then answers 403 saying how to set it
 * @param keyCacheTtl how long a node trusts what it read of a key (revocation elsewhere in a cluster, a miss)
 */
public record AuthSettings(Mode mode, String adminKeyEnv, Optional<Secret> adminKey, boolean allowOpenOnNetwork,
    Duration keyCacheTtl) {

  private static final String PATH = "switchboard.auth";

  /** How {@code /v1} requests are authenticated. */
  public enum Mode {
    /** Open on a loopback address, keys everywhere else. */
    AUTO,
    /** Every {@code /v1} request needs a valid virtual key. */
    KEYS,
    /** No key needed; a valid key that is sent is still used (its limits, budget and usage apply). */
    OPEN;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Whether {@code /v1} requests on a node listening on {@code host} need a key. */
  public boolean keysRequired(String host) {
    return switch (mode) {
      case KEYS -> true;
      case OPEN -> false;
      case AUTO -> !isLoopback(host);
    };
  }

  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  static AuthSettings from(Config auth, String host, Function<String, String> env) {
    String modeName = auth.getString("mode");
    Mode mode = null;
    for (Mode m : Mode.values()) {
      if (m.configName().equals(modeName)) mode = m;
    }
    if (mode == null) {
      throw new SettingsException(PATH + ".mode = \"" + modeName + "\" is not a mode; use auto, keys or open");
    }
    boolean allowOpen = auth.getBoolean("allow-open-on-network");
    if (mode == Mode.OPEN && !isLoopback(host) && !allowOpen) {
      throw new SettingsException(PATH + ".mode = open on switchboard.http.host = \"" + host + "\" would let anyone"
          + " who can reach this address use every model without a key. Use mode = keys (or auto), or set "
          + PATH + ".allow-open-on-network = true if that is really meant");
    }
    String adminKeyEnv = auth.getString("admin-key-env");
    Optional<Secret> adminKey = Optional.empty();
    if (!adminKeyEnv.isBlank()) {
      String value = env.apply(adminKeyEnv);
      if (value != null && !value.isBlank()) adminKey = Optional.of(Secret.of(value.trim()));
    }
    Duration ttl = auth.getDuration("key-cache-ttl");
    if (ttl.isNegative()) throw new SettingsException(PATH + ".key-cache-ttl = " + ttl + " must not be negative");
    return new AuthSettings(mode, adminKeyEnv, adminKey, allowOpen, ttl);
  }
}
