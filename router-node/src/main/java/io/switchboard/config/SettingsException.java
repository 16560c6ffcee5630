package io.switchboard.config;

/** A configuration mistake, with a message that names the key and says how to fix it. */
public final class SettingsException extends RuntimeException {
  public SettingsException(String message) {
    super(message);
  }

  public SettingsException(String message, Throwable cause) {
    super(message, cause);
  }
}
