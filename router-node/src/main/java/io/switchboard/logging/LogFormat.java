package io.switchboard.logging;

import java.util.Optional;
import java.util.function.Function;

/**
 * The log format switch, {@value #VARIABLE} = {@code text} (the default) or {@code json}, read by
 * {@code logback.xml} from a system property or the environment. Logback would attach no appender at
 * all for any other value and log nothing, so {@code Main} checks it first and refuses to start.
 */
public final class LogFormat {
  public static final String VARIABLE = "SWITCHBOARD_LOG_FORMAT";

  private LogFormat() {}

  /** A message naming the problem, or empty when the format is valid or unset. */
  public static Optional<String> problem(Function<String, String> systemProperties, Function<String, String> env) {
    String value = systemProperties.apply(VARIABLE);
    if (value == null) value = env.apply(VARIABLE);
    if (value == null || value.equals("text") || value.equals("json")) return Optional.empty();
    return Optional.of(VARIABLE + "=" + value + " is not a log format; use text (the default) or json");
  }
}
